//! The training methodology of issue 10 on the demo data: train/test split and loss log, SNES
//! determinism, checkpoint/resume bit-identity, fixed parameters, L2 penalty, and the tuning study
//! (shards merge to the same report as one run).

use crate::common;
use common::{repo_root, run_err, run_ok, s};
use galling::V8Params;
use galling::family::{ModelId, ModelParams};
use host_train::dataset::{Dataset, TemperatureMap};
use host_train::fit::{self, FitOptions, Method, SnesSettings};
use std::path::{Path, PathBuf};

fn demo_dir() -> PathBuf {
    repo_root().join("data/demo")
}

fn demo() -> Dataset {
    Dataset::load(demo_dir(), &TemperatureMap::default()).unwrap()
}

fn small_snes() -> SnesSettings {
    SnesSettings {
        population: 12,
        generations: 40,
        ..SnesSettings::default()
    }
}

fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

#[test]
fn train_with_a_split_logs_train_and_test_loss_of_the_winning_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("split");
    run_ok(&[
        "-q",
        "train",
        "--data",
        s(&demo_dir()),
        "--out",
        s(&out),
        "--split",
        "0.8",
        "--sim-runs",
        "5",
    ]);
    let rows = csv_rows(&out.join("loss.csv"));
    assert_eq!(rows[0].join(","), fit::LOSS_CSV_HEADER);
    assert!(rows.len() > 10);
    for (i, r) in rows[1..].iter().enumerate() {
        assert_eq!(r.len(), 7);
        assert_eq!(r[0], (i + 1).to_string(), "iterations count 1, 2, ...");
        let train: f64 = r[2].parse().unwrap();
        let test: f64 = r[3].parse().unwrap();
        assert!(train.is_finite() && test.is_finite());
        assert_eq!(r[4], "0");
        assert!(
            r[5].is_empty() && r[6].is_empty(),
            "no step sizes for L-BFGS"
        );
    }
    // One run, not a concatenation of starts: an L-BFGS path never goes back up.
    let train: Vec<f64> = rows[1..].iter().map(|r| r[2].parse().unwrap()).collect();
    assert!(
        train.windows(2).all(|w| w[1] <= w[0] + 1e-12),
        "the log jumps back up: {train:?}"
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let split = &summary["split"];
    let (n_train, n_test) = (
        split["train_transitions"].as_u64().unwrap(),
        split["test_transitions"].as_u64().unwrap(),
    );
    assert_eq!(n_train + n_test, demo().transitions() as u64);
    assert!(n_test > 100 && n_train > 3 * n_test);
    // The last row is the result: its train loss is the reported one.
    let last: f64 = rows.last().unwrap()[2].parse().unwrap();
    assert!((last - split["train_nll"].as_f64().unwrap()).abs() < 1e-12);
    assert!(out.join("training_curve.png").exists());
    // Without a split the test column is empty.
    let plain = dir.path().join("plain");
    run_ok(&[
        "-q",
        "train",
        "--data",
        s(&demo_dir()),
        "--out",
        s(&plain),
        "--no-plots",
        "--sim-runs",
        "5",
    ]);
    let rows = csv_rows(&plain.join("loss.csv"));
    assert!(rows[1..].iter().all(|r| r[3].is_empty()));
}

#[test]
fn the_test_loss_is_never_optimised() {
    let data = demo();
    let (train, test) = fit::temporal_split(&data, 0.7).unwrap();
    let options = FitOptions {
        starts: 4,
        ..FitOptions::default()
    };
    let with = fit::fit_split(&train, Some(&test), &options, &|_| {}).unwrap();
    let without = fit::fit(&train, &options, &|_| {}).unwrap();
    assert_eq!(with.params, without.params);
    assert_eq!(
        with.test_log_likelihood,
        Some(fit::log_likelihood(&test, &with.params))
    );
}

#[test]
fn snes_is_deterministic_whatever_the_threads_and_logs_step_sizes() {
    let data = demo();
    let run = |threads| {
        fit::fit(
            &data,
            &FitOptions {
                method: Method::Snes(small_snes()),
                threads: Some(threads),
                seed: 5,
                ..FitOptions::default()
            },
            &|_| {},
        )
        .unwrap()
    };
    let (a, b) = (run(1), run(2));
    assert_eq!(a.params, b.params);
    let nll = |r: &fit::FitReport| r.loss.iter().map(|l| l.train_nll).collect::<Vec<_>>();
    assert_eq!(nll(&a), nll(&b));
    // One row per generation with step sizes, then the polish rows without.
    let gens: Vec<_> = a.loss.iter().take_while(|r| r.step_min.is_some()).collect();
    assert_eq!(gens.len(), 40);
    assert!(gens.iter().all(|r| r.step_min <= r.step_max));
    assert!(a.loss.len() > 40, "the L-BFGS polish is logged too");
    // The polish does not make the SNES result worse.
    let snes_best = gens
        .iter()
        .map(|r| r.train_nll)
        .fold(f64::INFINITY, f64::min);
    assert!(-a.log_likelihood / a.train_transitions as f64 <= snes_best + 1e-12);
    // Another seed explores differently.
    let c = fit::fit(
        &data,
        &FitOptions {
            method: Method::Snes(small_snes()),
            seed: 6,
            ..FitOptions::default()
        },
        &|_| {},
    )
    .unwrap();
    assert_ne!(nll(&a)[..40], nll(&c)[..40]);
}

#[test]
fn a_resumed_snes_run_writes_byte_identical_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let (full, part) = (dir.path().join("full"), dir.path().join("part"));
    let base_pop = |out: &Path, pop: &str| -> Vec<String> {
        [
            "-q",
            "train",
            "--data",
            s(&demo_dir()),
            "--out",
            s(out),
            "--method",
            "snes",
            "--population",
            pop,
            "--generations",
            "40",
            "--seed",
            "3",
            "--split",
            "0.8",
            "--no-plots",
            "--sim-runs",
            "5",
        ]
        .iter()
        .map(|v| v.to_string())
        .collect()
    };
    fn call(v: &[String]) -> Vec<&str> {
        v.iter().map(String::as_str).collect()
    }
    let base = |out: &Path| base_pop(out, "12");
    let args = |mut v: Vec<String>, more: &[&str]| {
        v.extend(more.iter().map(|m| m.to_string()));
        v
    };
    run_ok(&call(&args(base(&full), &["--checkpoint-every", "10"])));
    assert!(full.join("checkpoint.json").exists());
    // Interrupted after generation 17 (a checkpoint is left), then resumed.
    run_ok(&call(&args(base(&part), &["--stop-after", "17"])));
    assert!(part.join("checkpoint.json").exists());
    assert!(!part.join("params.json").exists());
    let resume = ["--resume", s(&part), "--checkpoint-every", "10"];
    run_ok(&call(&args(base(&part), &resume)));
    assert_eq!(
        std::fs::read(full.join("params.json")).unwrap(),
        std::fs::read(part.join("params.json")).unwrap(),
        "resumed params.json differs from the uninterrupted run's"
    );
    let nll = |p: &Path| -> Vec<String> {
        csv_rows(&p.join("loss.csv"))
            .into_iter()
            .map(|r| r[2].clone())
            .collect()
    };
    assert_eq!(nll(&full), nll(&part));
    // Other settings or data: refused, naming what differs.
    let err = run_err(&call(&args(
        base_pop(&dir.path().join("x"), "13"),
        &["--resume", s(&part)],
    )));
    assert!(
        err.contains("population") && err.contains("12") && err.contains("13"),
        "{err}"
    );
    let err = run_err(&call(&args(
        base(&dir.path().join("y")),
        &["--resume", s(&part), "--map", "25:150"],
    )));
    assert!(err.contains("other data"), "{err}");
    let err = run_err(&call(&args(
        base(&dir.path().join("z")),
        &["--resume", s(&dir.path().join("nothing"))],
    )));
    assert!(err.contains("checkpoint.json"), "{err}");
}

#[test]
fn v8_13_holds_the_tilt_at_zero_and_l2_is_logged() {
    let data = demo();
    let r = fit::fit(
        &data,
        &FitOptions {
            starts: 4,
            model: ModelId::V8_13,
            l2: 1e-3,
            ..FitOptions::default()
        },
        &|_| {},
    )
    .unwrap();
    let kernel = r.params.to_v8().unwrap();
    assert_eq!((kernel.g0, kernel.g_t), (0.0, 0.0));
    assert!(r.loss.iter().all(|l| l.regularization > 0.0));
    // The penalty pulls the trained parameters towards zero: the unpenalised fit has higher LL.
    let free = fit::fit(
        &data,
        &FitOptions {
            starts: 4,
            model: ModelId::V8_13,
            ..FitOptions::default()
        },
        &|_| {},
    )
    .unwrap();
    assert!(free.log_likelihood >= r.log_likelihood);
    // Adam and SNES keep fixed parameters too.
    for method in [
        Method::Adam(fit::AdamSettings {
            epochs: 50,
            ..Default::default()
        }),
        Method::Snes(small_snes()),
    ] {
        let mut start = V8Params::PUBLISHED_DEFAULT_START.map(f64::from);
        start.g0 = 0.3;
        let r = fit::fit(
            &data,
            &FitOptions {
                method,
                start: Some(ModelParams::from(start)),
                fixed: vec![("g0".into(), -0.01)],
                ..FitOptions::default()
            },
            &|_| {},
        )
        .unwrap();
        assert_eq!(r.params.get("g0"), Some(-0.01));
    }
}

const TINY_PLAN: &str = r#"{
  "default": { "method": "lbfgs", "starts": 2, "population": 8, "generations": 15,
               "epochs": 60, "train_fraction": 0.8 },
  "sweeps": [
    { "parameter": "variant", "values": ["v8", "v8-13"] },
    { "parameter": "method", "values": ["lbfgs", "snes", "adam"] },
    { "parameter": "l2", "values": [0.0, 0.001] }
  ],
  "long": { "factor": 2, "target": null }
}"#;

#[test]
fn a_sharded_study_merges_to_the_same_report_as_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.json");
    std::fs::write(&plan, TINY_PLAN).unwrap();
    let one = dir.path().join("one");
    let data = demo_dir();
    run_ok(&[
        "-q",
        "tune",
        "--data",
        s(&data),
        "--out",
        s(&one),
        "--plan",
        s(&plan),
        "--threads",
        "2",
    ]);
    let shards = dir.path().join("shards");
    for i in 0..3 {
        run_ok(&[
            "-q",
            "tune",
            "--data",
            s(&data),
            "--out",
            s(&shards),
            "--plan",
            s(&plan),
            "--shard",
            &format!("{i}/3"),
            "--threads",
            "1",
        ]);
    }
    let merged = dir.path().join("merged");
    // A missing shard is named.
    let err = run_err(&[
        "tune",
        "merge",
        "--data",
        s(&data),
        "--out",
        s(&merged),
        s(&shards.join("shard-0-of-3.json")),
    ]);
    assert!(err.contains("missing"), "{err}");
    run_ok(&[
        "-q",
        "tune",
        "merge",
        "--data",
        s(&data),
        "--out",
        s(&merged),
        s(&shards),
    ]);
    let a = std::fs::read_to_string(one.join("tune.json")).unwrap();
    let b = std::fs::read_to_string(merged.join("tune.json")).unwrap();
    assert_eq!(a, b, "merged shards give another tune.json");
    let report: serde_json::Value = serde_json::from_str(&a).unwrap();
    // 1 default + v8-13 + snes + adam + l2 = 5 distinct runs.
    assert_eq!(report["runs"].as_array().unwrap().len(), 5);
    assert_eq!(report["sweeps"].as_array().unwrap().len(), 3);
    assert_eq!(report["long"].as_array().unwrap().len(), 2);
    let md = std::fs::read_to_string(merged.join("tune.md")).unwrap();
    for part in [
        "Phase 1",
        "Phase 2",
        "Phase 3",
        "train MIN",
        "test AVG",
        "%",
    ] {
        assert!(md.contains(part), "tune.md lacks {part}");
    }
    for f in [
        "sweep_variant.png",
        "sweep_l2.svg",
        "long_runs.png",
        "timing.json",
    ] {
        assert!(merged.join(f).exists(), "{f} missing");
    }
    // Phase 3: the default long run reaches its own best, by definition.
    assert!(report["long"][0]["iterations_to_target"].is_u64());
    // Data other than the shards' is refused.
    let other = dir.path().join("other.csv");
    std::fs::write(
        &other,
        "temperature,series,stroke,cof\n165,a,1,0.2\n165,a,2,0.21\n165,a,3,0.22\n",
    )
    .unwrap();
    let err = run_err(&[
        "tune",
        "merge",
        "--data",
        s(&other),
        "--out",
        s(&merged),
        s(&shards),
    ]);
    assert!(err.contains("other data"), "{err}");
}

#[test]
fn a_bad_plan_is_refused_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.json");
    std::fs::write(
        &plan,
        r#"{ "sweeps": [ { "parameter": "neurons", "values": [1] } ] }"#,
    )
    .unwrap();
    let err = run_err(&["tune", "--plan", s(&plan), "--out", s(dir.path())]);
    assert!(
        err.contains("neurons") && err.contains("plan.json"),
        "{err}"
    );
    std::fs::write(&plan, r#"{ "defaults": {} }"#).unwrap();
    let err = run_err(&["tune", "--plan", s(&plan), "--out", s(dir.path())]);
    assert!(err.contains("defaults"), "{err}");
}

#[test]
fn analyze_writes_standard_errors_flags_and_the_worst_transitions() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("analysis");
    let params = repo_root().join("data/v8-published-fit.json");
    let stdout = run_ok(&[
        "analyze",
        "--params",
        s(&params),
        "--data",
        s(&demo_dir()),
        "--out",
        s(&out),
        "--worst",
        "5",
    ]);
    assert!(stdout.contains("mu_L"), "{stdout}");
    let a: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("analysis.json")).unwrap()).unwrap();
    let params = a["parameters"].as_array().unwrap();
    assert_eq!(params.len(), 14, "mu0_base does not enter the likelihood");
    // The wells are well determined on the demo data (simulated from these very parameters).
    for p in &params[..2] {
        let z = p["z"].as_f64().unwrap();
        assert!(z.abs() > 10.0, "{p}");
    }
    let corr = a["correlation"].as_array().unwrap();
    assert_eq!(corr.len(), 14);
    assert!((corr[0][0].as_f64().unwrap() - 1.0).abs() < 1e-9);
    let worst = a["worst"].as_array().unwrap();
    assert_eq!(worst.len(), 5);
    let lp: Vec<f64> = worst
        .iter()
        .map(|w| w["log_prob"].as_f64().unwrap())
        .collect();
    assert!(lp.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(a["directions"].as_array().unwrap().len(), 14);
    for f in ["analysis.md", "parameters.png", "correlation.svg"] {
        assert!(out.join(f).exists(), "{f} missing");
    }
    // Parameters that are not a model are refused with a clear error.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{}").unwrap();
    let err = run_err(&[
        "analyze",
        "--params",
        s(&bad),
        "--data",
        s(&demo_dir()),
        "--out",
        s(&out),
    ]);
    assert!(err.contains("bad.json"), "{err}");
}

#[test]
fn a_resumed_adam_run_is_bit_identical_and_methods_do_not_mix() {
    let dir = tempfile::tempdir().unwrap();
    let data = demo();
    let (train, test) = fit::temporal_split(&data, 0.8).unwrap();
    let adam = Method::Adam(fit::AdamSettings {
        epochs: 120,
        plateau_patience: 5,
        ..Default::default()
    });
    let options = |ckpt: fit::Checkpointing| FitOptions {
        method: adam.clone(),
        l2: 1e-4,
        checkpoint: Some(ckpt),
        ..FitOptions::default()
    };
    let full = fit::fit_split(
        &train,
        Some(&test),
        &options(fit::Checkpointing {
            dir: dir.path().join("full"),
            every: 50,
            ..Default::default()
        }),
        &|_| {},
    )
    .unwrap();
    let part = dir.path().join("part");
    let stopped = fit::fit_split(
        &train,
        Some(&test),
        &options(fit::Checkpointing {
            dir: part.clone(),
            stop_after: Some(73),
            ..Default::default()
        }),
        &|_| {},
    );
    assert_eq!(
        stopped.unwrap_err(),
        fit::FitError::Interrupted { generation: 73 }
    );
    let resumed = fit::fit_split(
        &train,
        Some(&test),
        &options(fit::Checkpointing {
            dir: part.clone(),
            resume: Some(part.clone()),
            ..Default::default()
        }),
        &|_| {},
    )
    .unwrap();
    assert_eq!(
        full.params
            .values()
            .iter()
            .map(|v| v.to_bits())
            .collect::<Vec<_>>(),
        resumed
            .params
            .values()
            .iter()
            .map(|v| v.to_bits())
            .collect::<Vec<_>>()
    );
    let rows = |r: &fit::FitReport| {
        r.loss
            .iter()
            .map(|l| (l.train_nll.to_bits(), l.test_nll.map(f64::to_bits)))
            .collect::<Vec<_>>()
    };
    assert_eq!(rows(&full), rows(&resumed));
    // An Adam checkpoint does not resume a SNES run.
    let err = fit::fit_split(
        &train,
        Some(&test),
        &FitOptions {
            method: Method::Snes(small_snes()),
            checkpoint: Some(fit::Checkpointing {
                dir: dir.path().join("snes"),
                resume: Some(part),
                ..Default::default()
            }),
            ..FitOptions::default()
        },
        &|_| {},
    )
    .unwrap_err();
    assert!(err.to_string().contains("settings"), "{err}");
}
