//! Stroke features on the real data: the host extractor (f64) reproduces every shipped mean.txt and
//! std.txt line while computing the features, the f32 extractor (what the firmware runs) matches the
//! f64 one within stated tolerances, the 25 C series (no raw strokes) loads without features, and
//! the `average` command writes features.csv beside mean.txt and std.txt.

use crate::common;
use common::{read_lines, run_ok, s, shared_path};
use galling::features::FeatureSettings;
use host_train::averaging::{FEATURE_COLUMNS, average_folder};
use host_train::dataset::{Dataset, TemperatureMap};

const TEMPERATURES: [&str; 3] = ["165", "167.5", "170"];

#[test]
fn host_features_reproduce_mean_and_std_and_the_25_c_series_has_none() {
    let Some(root) = shared_path("galling-data") else {
        return;
    };
    let mut data = Dataset::load_dir(&root, &TemperatureMap::default()).unwrap();
    data.attach_stroke_features(&root, FeatureSettings::DEFAULT)
        .unwrap(); // also checks every recomputed mean against mean.txt to 1e-9
    let mut worst = 0.0_f64;
    for series in &data.series {
        let Some(features) = &series.features else {
            assert_eq!(series.label, "25", "only 25 C lacks raw strokes");
            continue;
        };
        let std = read_lines(&root.join(&series.label).join("std.txt"));
        assert_eq!(features.len(), std.len());
        for (i, (f, w)) in features.iter().zip(&std).enumerate() {
            worst = worst.max((f.std - w).abs());
            assert!(
                (f.std - w).abs() <= 1e-12,
                "{} stroke {i}: {} vs {w}",
                series.label,
                f.std
            );
            assert!((0.0..=2.0).contains(&f.breakaway_peak));
            assert!((0.0..=1.0).contains(&f.run_in_high_share));
        }
    }
    eprintln!("f64 features: worst std deviation from std.txt {worst:e}");
    assert_eq!(
        data.series.iter().filter(|s| s.features.is_some()).count(),
        3
    );
}

#[test]
fn f32_extractor_matches_the_f64_one() {
    let Some(root) = shared_path("galling-data") else {
        return;
    };
    // tolerances: window figures and peaks 1e-5 (f32 rounding of a COF below 2 is 1.2e-7, the
    // f32 Welford mean drifts to about 1e-6); the share may differ by one sample whose COF lies
    // within f32 rounding of the 0.30 level
    let (mut worst_mean, mut worst_std, mut worst_peak, mut worst_share) =
        (0.0_f64, 0.0_f64, 0.0_f64, 0.0_f64);
    for t in TEMPERATURES {
        let dir = root.join(t).join("strokes");
        let f64s = average_folder::<f64>(
            &dir,
            FeatureSettings::DEFAULT,
            &host_train::progress::ignore,
        )
        .unwrap();
        let f32s = average_folder::<f32>(
            &dir,
            FeatureSettings::DEFAULT,
            &host_train::progress::ignore,
        )
        .unwrap();
        for (a, b) in f64s.iter().zip(&f32s) {
            let (a, b) = (a.features, b.features);
            let at = format!("{t} {}", a.samples);
            assert_eq!(
                (a.samples, a.run_in_samples, a.exit_samples),
                (b.samples, b.run_in_samples, b.exit_samples),
                "{at}"
            );
            worst_mean = worst_mean.max((a.mean - f64::from(b.mean)).abs());
            worst_std = worst_std.max((a.std - f64::from(b.std)).abs());
            worst_peak = worst_peak
                .max((a.breakaway_peak - f64::from(b.breakaway_peak)).abs())
                .max((a.exit_peak - f64::from(b.exit_peak)).abs());
            let share = (a.run_in_high_share - f64::from(b.run_in_high_share)).abs();
            worst_share = worst_share.max(share);
            assert!(
                share <= 1.0 / f64::from(a.run_in_samples.max(1)) + 1e-6,
                "{at}: share {share}"
            );
        }
    }
    eprintln!(
        "f32 vs f64 extractor: worst mean {worst_mean:e}, std {worst_std:e}, peaks {worst_peak:e}, share {worst_share:e}"
    );
    assert!(worst_mean <= 1e-5 && worst_std <= 1e-5 && worst_peak <= 1e-5);
}

#[test]
fn average_writes_features_csv_beside_mean_and_std() {
    let Some(root) = shared_path("galling-data") else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    run_ok(&[
        "--quiet",
        "average",
        s(&root.join("167.5/strokes")),
        "--out",
        s(out.path()),
    ]);
    let mut r = csv::Reader::from_path(out.path().join("features.csv")).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(header, FEATURE_COLUMNS);
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    let mean = read_lines(&root.join("167.5/mean.txt"));
    assert_eq!(rows.len(), mean.len());
    for (row, w) in rows.iter().zip(&mean) {
        let m: f64 = row[3].parse().unwrap();
        assert!((m - w).abs() <= 1e-12, "{row:?}");
    }
    // the example: stroke 15 at 167.5 C has a calm mean but a breakaway peak near 0.48
    let peak: f64 = rows[15][5].parse().unwrap();
    assert!((0.47..0.49).contains(&peak), "{peak}");
    assert!(out.path().join("mean.txt").exists() && out.path().join("std.txt").exists());
}
