//! Measures how long `Dataset::load` takes on a generated 200,000-row CSV: once as 100,000 series of
//! two strokes (the case a linear series search made quadratic: 18.4 s before the hash map), once as
//! one series of 200,000 strokes. Prints the median of five loads of each.
//!
//! ```text
//! cargo run --release -p host-train --example csv_load_time
//! ```

use host_train::dataset::{Dataset, TemperatureMap};
use std::fmt::Write as _;
use std::time::Instant;

fn median_seconds(path: &std::path::Path, expect_series: usize) -> f64 {
    let mut times: Vec<f64> = (0..5)
        .map(|_| {
            let start = Instant::now();
            let d = Dataset::load(path, &TemperatureMap::default()).expect("generated CSV loads");
            let t = start.elapsed().as_secs_f64();
            assert_eq!(d.series.len(), expect_series);
            t
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[2]
}

fn main() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let many = dir.path().join("many_series.csv");
    let mut text = String::from("temperature,series,stroke,cof\n");
    for i in 0..100_000 {
        let _ = write!(text, "170,s{i},1,0.2\n170,s{i},2,0.3\n");
    }
    std::fs::write(&many, &text).expect("write");
    let one = dir.path().join("one_series.csv");
    let mut text = String::from("temperature,series,stroke,cof\n");
    for i in 0..200_000 {
        let _ = writeln!(text, "170,a,{i},{}", 0.2 + (i % 7) as f64 * 0.01);
    }
    std::fs::write(&one, &text).expect("write");
    println!(
        "200,000 rows as 100,000 series of 2 strokes: {:.3} s (median of 5)",
        median_seconds(&many, 100_000)
    );
    println!(
        "200,000 rows as 1 series:                    {:.3} s (median of 5)",
        median_seconds(&one, 1)
    );
}
