//! SNES against the default L-BFGS basin search on the real galling data: best log-likelihood,
//! time to 1337.2 and the share of seeds that reach the best basin (LL >= 1338.3).
//!
//! ```text
//! cargo bench -p host-train --bench snes            # seeds 0..10
//! cargo bench -p host-train --bench snes -- 4       # seeds 0..4
//! ```
//! Reads `../shared/galling-data` (or `$GALLING_DATA`). Wall times depend on the machine's load;
//! CPU seconds per fit are printed too.

use host_train::dataset::{Dataset, TemperatureMap};
use host_train::fit::{self, FitOptions, FitReport, Method, SnesSettings};
use std::path::PathBuf;

const TARGET_LL: f64 = 1337.2;
const BEST_BASIN_LL: f64 = 1338.3;

fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn stats(v: &mut [f64], digits: usize) -> String {
    if v.is_empty() {
        return "-".into();
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let med = if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    };
    format!(
        "{:.*} / {:.*} / {:.*}",
        digits,
        v[0],
        digits,
        med,
        digits,
        v[n - 1]
    )
}

fn main() {
    let seeds: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10);
    let dir = std::env::var_os("GALLING_DATA").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/galling-data"),
        PathBuf::from,
    );
    let data = match Dataset::load(&dir, &TemperatureMap::default()) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("skipping the SNES benchmark: {e}");
            return;
        }
    };
    let snes = |sigma0: f64| {
        Method::Snes(SnesSettings {
            sigma0,
            ..SnesSettings::default()
        })
    };
    let methods = [
        ("L-BFGS basin search (default)", Method::default()),
        ("SNES pop 50, sigma0 0.1, 1000 gen + polish", snes(0.1)),
        ("SNES pop 50, sigma0 0.3, 1000 gen + polish", snes(0.3)),
        ("SNES pop 50, sigma0 1.0, 1000 gen + polish", snes(1.0)),
    ];
    println!(
        "{} transitions, {} threads, seeds 0..{seeds}\n",
        data.transitions(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "| method | best LL min / median / max | seeds reaching {TARGET_LL} | time to {TARGET_LL}, s (min / median / max) | seeds in the best basin (>= {BEST_BASIN_LL}) | wall per fit, s | CPU per fit, s |"
    );
    println!("|---|---|---|---|---|---|---|");
    for (name, method) in methods {
        let mut runs: Vec<(FitReport, Option<f64>)> = Vec::new();
        for seed in 0..seeds {
            let c0 = cpu_seconds();
            let r = fit::fit(
                &data,
                &FitOptions {
                    method: method.clone(),
                    seed,
                    ..FitOptions::default()
                },
                &|_| {},
            )
            .expect("fit runs");
            let cpu = cpu_seconds().zip(c0).map(|(b, a)| b - a);
            runs.push((r, cpu));
        }
        let mut best: Vec<f64> = runs.iter().map(|(r, _)| r.log_likelihood).collect();
        let mut to: Vec<f64> = runs
            .iter()
            .filter_map(|(r, _)| {
                r.curve
                    .iter()
                    .find(|c| c.log_likelihood >= TARGET_LL)
                    .map(|c| c.seconds)
            })
            .collect();
        let reached = to.len();
        let basin = best.iter().filter(|&&b| b >= BEST_BASIN_LL).count();
        let mut wall: Vec<f64> = runs
            .iter()
            .map(|(r, _)| r.wall_time.as_secs_f64())
            .collect();
        let mut cpu: Vec<f64> = runs.iter().filter_map(|(_, c)| *c).collect();
        println!(
            "| {name} | {} | {reached}/{seeds} | {} | {basin}/{seeds} | {} | {} |",
            stats(&mut best, 4),
            stats(&mut to, 2),
            stats(&mut wall, 2),
            stats(&mut cpu, 2),
        );
    }
}
