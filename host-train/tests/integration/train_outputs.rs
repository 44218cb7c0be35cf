//! `host-train train` end to end: one run writes every output (parameters, blob, summary, figures),
//! the written blob decodes to the float32 parameters, training on the real data reaches the
//! published training's 1310.16. Failed and killed runs: tests/integration/output_set.rs.

use crate::common;
use common::{leftover_temp_files, repo_root, run_ok, s, shared_path};
use galling::V8Params;
use galling::family::ModelId;
use std::path::Path;

const FIGURES: [&str; 5] = [
    "training_curve",
    "potential",
    "mixture",
    "barrier",
    "simulation",
];

fn summary(out: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap()
}

/// Checks every output of a run in `out` and returns the summary.
fn check_outputs(out: &Path, transitions: u64, temperatures: usize) -> serde_json::Value {
    let (params, _) = host_train::params_file::load(&out.join("params.json")).unwrap();
    let blob = std::fs::read(out.join("params.bin")).unwrap();
    assert_eq!(blob.len(), galling::blob::blob_len(params.model()));
    let decoded = galling::blob::decode(&blob).unwrap();
    assert_eq!(
        *decoded.params(),
        params.map(|v| v as f32),
        "the blob holds the f32-rounded params"
    );
    let (from_blob, format) = host_train::params_file::load(&out.join("params.bin")).unwrap();
    assert_eq!(format, host_train::params_file::ParamsFormat::Blob);
    assert_eq!(from_blob, decoded.params().map(f64::from));
    // The blob carries the monitor: one galling threshold, the data's temperature range, the
    // calibrated onset warning; summary.json says the same.
    let table = decoded.table();
    assert_eq!(table.threshold(), 0.5);
    let monitor = &summary(out)["monitor"];
    assert_eq!(monitor["galling_threshold"], 0.5);
    assert_eq!(
        monitor["settings"]["onset_raise"].as_f64().unwrap() as f32,
        decoded.settings().onset_raise
    );
    let (lo, hi) = table.temperature_range();
    assert_eq!(monitor["trained_range"][0].as_f64().unwrap() as f32, lo);
    assert_eq!(monitor["trained_range"][1].as_f64().unwrap() as f32, hi);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("params.json")).unwrap()).unwrap();
    assert_eq!(json["params"].as_object().unwrap().len(), params.len());
    assert_eq!(json["model"], params.model().key());
    for f in params.variant().fields {
        assert!(
            json["params"][f.name].is_f64(),
            "params.json lacks {}",
            f.name
        );
    }
    let sum = summary(out);
    let ll = &sum["log_likelihood"];
    assert_eq!(ll["transitions"], transitions);
    let rows = ll["per_temperature"].as_array().unwrap();
    assert_eq!(rows.len(), temperatures);
    let total: f64 = rows
        .iter()
        .map(|r| r["log_likelihood"].as_f64().unwrap())
        .sum();
    assert!((total - ll["total"].as_f64().unwrap()).abs() < 1e-9);
    assert!(
        (ll["total"].as_f64().unwrap() - sum["optimizer"]["log_likelihood"].as_f64().unwrap())
            .abs()
            < 1e-6,
        "summary LL and the optimizer's LL agree"
    );
    assert!(
        sum["optimizer"]["method"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    assert!(sum["optimizer"]["iterations"].as_u64().unwrap() > 0);
    assert!(!sum["optima"].as_array().unwrap().is_empty());
    assert!(sum["physical_flags"].is_array());
    assert_eq!(sum["blob_params_valid"], true);
    let sim = sum["simulation"]["rows"].as_array().unwrap();
    assert_eq!(sim.len(), temperatures);
    for r in sim {
        for k in [
            "observed_mean",
            "simulated_mean",
            "observed_std",
            "simulated_std",
            "start_cof",
        ] {
            assert!(r[k].as_f64().is_some_and(f64::is_finite), "{k} in {r}");
        }
    }
    // V7 has no potential, so neither the potential nor the barrier figure.
    let figures: Vec<&str> = FIGURES
        .into_iter()
        .filter(|f| params.model() != ModelId::V7 || !["potential", "barrier"].contains(f))
        .collect();
    for &f in &figures {
        let png = std::fs::read(out.join(format!("{f}.png"))).unwrap();
        assert!(
            png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 10_000,
            "{f}.png"
        );
        let svg = std::fs::read_to_string(out.join(format!("{f}.svg"))).unwrap();
        assert!(
            svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
            "{f}.svg"
        );
        assert!(svg.contains("<text"), "{f}.svg has labels");
    }
    let listed: Vec<&str> = sum["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f.as_str())
        .collect();
    // params.json, params.bin, loss.csv, summary.json and the figures.
    assert_eq!(listed.len(), 4 + 2 * figures.len());
    assert!(listed.contains(&"loss.csv"));
    assert!(
        leftover_temp_files(out).is_empty(),
        "{:?}",
        leftover_temp_files(out)
    );
    sum
}

#[test]
fn train_on_demo_data_writes_every_output() {
    let out = tempfile::tempdir().unwrap();
    let data = repo_root().join("data/demo");
    let stdout = run_ok(&[
        "train",
        "--data",
        s(&data),
        "--out",
        s(out.path()),
        "--sim-runs",
        "50",
    ]);
    for want in [
        "log-likelihood of the fit",
        "total",
        "simulation quality",
        "params.bin",
    ] {
        assert!(stdout.contains(want), "missing `{want}` in:\n{stdout}");
    }
    let sum = check_outputs(out.path(), 862, 4);
    // The demo data was simulated from the published fit: the fit explains it at least as well.
    let published = host_train::summary::LlTable::new(
        &galling::family::ModelParams::from(V8Params::PUBLISHED_FIT.map(f64::from)),
        &host_train::dataset::Dataset::load(&data, &Default::default()).unwrap(),
    )
    .unwrap();
    let total = sum["log_likelihood"]["total"].as_f64().unwrap();
    assert!(
        total >= published.total - 1e-6,
        "fit {total} < published {}",
        published.total
    );
    // The written blob evaluates to the f32 table of the summary.
    let eval = run_ok(&[
        "evaluate",
        "--params",
        s(&out.path().join("params.bin")),
        "--data",
        s(&data),
        "--json",
    ]);
    let eval: serde_json::Value = serde_json::from_str(&eval).unwrap();
    let f32_total = sum["log_likelihood"]["total_f32"].as_f64().unwrap();
    assert!((eval["total_f32"].as_f64().unwrap() - f32_total).abs() < 1e-9);
}

#[test]
fn quiet_train_prints_nothing_and_skips_figures_on_request() {
    let out = tempfile::tempdir().unwrap();
    let data = repo_root().join("data/demo");
    let stdout = run_ok(&[
        "--quiet",
        "train",
        "--data",
        s(&data),
        "--out",
        s(out.path()),
        "--no-plots",
        "--sim-runs",
        "5",
    ]);
    assert!(stdout.is_empty(), "{stdout}");
    assert!(out.path().join("params.bin").exists());
    assert!(out.path().join("summary.json").exists());
    assert!(!out.path().join("potential.png").exists());
}

#[test]
fn train_on_real_data_reaches_the_published_training() {
    let Some(data) = shared_path("galling-data") else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    run_ok(&[
        "-q",
        "train",
        "--data",
        s(&data),
        "--out",
        s(out.path()),
        "--sim-runs",
        "50",
    ]);
    let sum = check_outputs(out.path(), 862, 4);
    let total = sum["log_likelihood"]["total"].as_f64().unwrap();
    assert!(total >= 1310.16, "real-data fit reached only {total}");
    let rows = sum["log_likelihood"]["per_temperature"].as_array().unwrap();
    let counts: Vec<u64> = rows
        .iter()
        .map(|r| r["transitions"].as_u64().unwrap())
        .collect();
    assert_eq!(counts, [331, 111, 279, 141]);
}

#[test]
fn train_fits_every_variant_of_the_family_on_demo_data() {
    let data = repo_root().join("data/demo");
    for model in ["v8-13", "v9", "v7"] {
        let out = tempfile::tempdir().unwrap();
        run_ok(&[
            "--quiet",
            "train",
            "--data",
            s(&data),
            "--out",
            s(out.path()),
            "--model",
            model,
            "--starts",
            "4",
            "--sim-runs",
            "5",
        ]);
        let sum = check_outputs(out.path(), 862, 4);
        assert_eq!(sum["model"], model);
        let (params, _) = host_train::params_file::load(&out.path().join("params.json")).unwrap();
        assert_eq!(params.model().key(), model);
        assert_eq!(sum["parameters"], params.len());
    }
}
