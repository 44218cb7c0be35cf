//! Benchmark of the fitting engine on the real galling data: time to the published 1310.16 and
//! best log-likelihood for the published Adam recipe (from the published default start) and for
//! the default strategy (physical multistart L-BFGS) over several seeds; then the default fit of
//! every variant of the model family over the same seeds (wall time and best log-likelihood).
//!
//! ```text
//! cargo bench -p host-train --bench fit            # Adam once, L-BFGS seeds 0..10
//! cargo bench -p host-train --bench fit -- 20      # L-BFGS seeds 0..20
//! ```
//! Reads `../shared/galling-data` (or `$GALLING_DATA`). Wall times depend on the machine's load:
//! the table also prints the process CPU time per fit where the OS reports it.

use host_train::dataset::{Dataset, TemperatureMap};
use host_train::fit::{self, AdamSettings, FitOptions, FitReport, Method, ModelId};
use std::path::PathBuf;

const PUBLISHED_ADAM_LL: f64 = 1310.16;
const PHYSICAL_TARGET_LL: f64 = 1337.2;

/// Seconds since the fit started when the path to the result first reached `target`.
fn time_to(report: &FitReport, target: f64) -> Option<f64> {
    report
        .curve
        .iter()
        .find(|c| c.log_likelihood >= target)
        .map(|c| c.seconds)
}

fn fmt_time(t: Option<f64>) -> String {
    t.map_or_else(|| "never".to_string(), |t| format!("{t:.2} s"))
}

/// User plus system CPU seconds of this process so far (Linux `/proc/self/stat`), if available.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // The kernel's USER_HZ is 100 on every Linux platform Rust supports.
    Some(ticks / 100.0)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
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
            eprintln!("skipping the fit benchmark: {e}");
            return;
        }
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "fit benchmark: {} transitions, {cores} threads, targets {PUBLISHED_ADAM_LL} (published Adam) and {PHYSICAL_TARGET_LL} (best physical basin)\n",
        data.transitions()
    );

    let cpu0 = cpu_seconds();
    let adam = fit::fit(
        &data,
        &FitOptions {
            method: Method::Adam(AdamSettings::default()),
            ..FitOptions::default()
        },
        &|_| {},
    )
    .expect("Adam fit runs");
    let adam_cpu = cpu_seconds().zip(cpu0).map(|(b, a)| b - a);

    let mut lbfgs = Vec::new();
    for seed in 0..seeds {
        let c0 = cpu_seconds();
        let r = fit::fit(
            &data,
            &FitOptions {
                seed,
                ..FitOptions::default()
            },
            &|_| {},
        )
        .expect("L-BFGS fit runs");
        let cpu = cpu_seconds().zip(c0).map(|(b, a)| b - a);
        lbfgs.push((seed, r, cpu));
    }

    println!(
        "| method | runs | time to {PUBLISHED_ADAM_LL} | time to {PHYSICAL_TARGET_LL} | wall time | CPU time | best LL |"
    );
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| Adam, published recipe, default start | 1 | {} | {} | {:.2} s ({} epochs) | {} | {:.4} |",
        fmt_time(time_to(&adam, PUBLISHED_ADAM_LL)),
        fmt_time(time_to(&adam, PHYSICAL_TARGET_LL)),
        adam.wall_time.as_secs_f64(),
        adam.curve.len(),
        fmt_time(adam_cpu),
        adam.log_likelihood
    );
    let mut to_pub: Vec<f64> = lbfgs
        .iter()
        .filter_map(|(_, r, _)| time_to(r, PUBLISHED_ADAM_LL))
        .collect();
    let mut to_target: Vec<f64> = lbfgs
        .iter()
        .filter_map(|(_, r, _)| time_to(r, PHYSICAL_TARGET_LL))
        .collect();
    let mut wall: Vec<f64> = lbfgs
        .iter()
        .map(|(_, r, _)| r.wall_time.as_secs_f64())
        .collect();
    let mut cpu: Vec<f64> = lbfgs.iter().filter_map(|(_, _, c)| *c).collect();
    let mut best: Vec<f64> = lbfgs.iter().map(|(_, r, _)| r.log_likelihood).collect();
    let reached = to_target.len();
    let stats = |v: &mut Vec<f64>, unit: &str, digits: usize| {
        if v.is_empty() {
            return "-".to_string();
        }
        let m = median(v);
        format!(
            "{:.*} / {:.*} / {:.*}{unit}",
            digits,
            v[0],
            digits,
            m,
            digits,
            v[v.len() - 1]
        )
    };
    println!(
        "| L-BFGS default (physical), min / median / max | {seeds} | {} | {} ({reached}/{seeds} reached) | {} | {} | {} |",
        stats(&mut to_pub, " s", 2),
        stats(&mut to_target, " s", 2),
        stats(&mut wall, " s", 2),
        stats(&mut cpu, " s", 2),
        stats(&mut best, "", 4),
    );

    println!("\nper seed (L-BFGS default):");
    println!(
        "| seed | best LL | mu_L | mu_H | omega0 | wall | evaluations | distinct optima (LL @ mu_L/mu_H) |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for (seed, r, _) in &lbfgs {
        let optima: Vec<String> = r
            .optima
            .iter()
            .map(|o| {
                format!(
                    "{:.2} @ {:.3}/{:.3}",
                    o.log_likelihood,
                    o.mu_l.unwrap_or(f64::NAN),
                    o.mu_h.unwrap_or(f64::NAN)
                )
            })
            .collect();
        println!(
            "| {seed} | {:.4} | {:.4} | {:.4} | {:.4} | {:.2} s | {} + {} value | {} |",
            r.log_likelihood,
            r.params.get("mu_L").unwrap_or(f64::NAN),
            r.params.get("mu_H").unwrap_or(f64::NAN),
            r.params.get("omega0").unwrap_or(f64::NAN),
            r.wall_time.as_secs_f64(),
            r.evaluations,
            r.value_evaluations,
            optima.join(", ")
        );
    }

    println!("\nevery variant, default fit (physical box), min / median / max over {seeds} seeds:");
    println!("| variant | parameters | wall time | best LL |");
    println!("|---|---|---|---|");
    for model in ModelId::ALL {
        let mut wall = Vec::new();
        let mut best = Vec::new();
        for seed in 0..seeds {
            let r = fit::fit(
                &data,
                &FitOptions {
                    model,
                    seed,
                    ..FitOptions::default()
                },
                &|_| {},
            )
            .expect("fit runs");
            wall.push(r.wall_time.as_secs_f64());
            best.push(r.log_likelihood);
        }
        println!(
            "| {model} | {} | {} | {} |",
            model.param_count(),
            stats(&mut wall, " s", 2),
            stats(&mut best, "", 4)
        );
    }
}
