//! The stroke-feature AUC table of issue 16 on a data folder: each series' features computed from
//! its `<T>/strokes/` recordings by the core's extractor (f64, default settings), then
//! [`host_train::feature_eval::feature_auc`] with the issue's protocol, printed as Markdown.
//!
//! `cargo run --release -p host-train --example feature_auc -- ../shared/galling-data`

use galling::features::FeatureSettings;
use host_train::dataset::{Dataset, TemperatureMap};
use host_train::feature_eval::{FeatureEval, feature_auc};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .ok_or("usage: feature_auc <data folder with <T>/mean.txt and <T>/strokes/>")?;
    let dir = std::path::Path::new(&dir);
    let mut data = Dataset::load_dir(dir, &TemperatureMap::default())?;
    data.attach_stroke_features(dir, FeatureSettings::DEFAULT)?;
    for s in &data.series {
        let n = s.features.as_ref().map_or(0, Vec::len);
        println!(
            "series {} C: {} strokes, {}",
            s.label,
            s.cof.len(),
            if n > 0 {
                "features from strokes/"
            } else {
                "no raw strokes: no features (left out of the table)"
            }
        );
    }
    println!();
    print!(
        "{}",
        feature_auc(&data.series, &FeatureEval::issue_16()).markdown()
    );
    Ok(())
}
