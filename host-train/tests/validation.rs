//! Replay and validation: scores on hand-made sequences with known answers, fold construction,
//! the replay against the core monitor, raw strokes against mean.txt, and a quick validation run
//! on the real data.

mod common;

use common::{leftover_temp_files, repo_root, run_err, run_ok, s, shared_path};
use galling::alarm::AlarmLevel::{Normal as N, Stop as S, Warn as W};
use galling::dataset::{Dataset, TemperatureMap};
use galling::{Model, MonitorBuilder};
use host_train::validation::folds::{blocked_folds, subset, temporal_split};
use host_train::validation::metrics::{
    BlockBootstrap, Isotonic, Platt, brier, classify_warnings, event_labels, lead_time, onsets,
    percentile, reliability, skill, warnings,
};
use std::path::Path;

#[test]
fn brier_and_skill_of_hand_made_forecasts() {
    // (0.8-1)^2 + (0.3-0)^2 + (0.5-1)^2 + (0-0)^2 = 0.04 + 0.09 + 0.25 + 0 = 0.38; / 4 = 0.095
    let p = [0.8, 0.3, 0.5, 0.0];
    let y = [true, false, true, false];
    assert!((brier(&p, &y) - 0.095).abs() < 1e-15);
    // Persistence-like forecast 0/1 that is right 3 of 4 times: Brier 0.25.
    assert_eq!(brier(&[1.0, 0.0, 0.0, 0.0], &y), 0.25);
    assert!((skill(0.095, 0.25) - 0.62).abs() < 1e-12);
    assert!(skill(0.3, 0.25) < 0.0);
}

#[test]
fn reliability_bins_count_and_average() {
    let p = [0.05, 0.07, 0.31, 0.39, 0.35, 1.0, 0.95];
    let y = [false, false, true, false, false, true, true];
    let t = reliability(&p, &y, 5);
    assert_eq!(t.len(), 5);
    assert_eq!((t[0].count, t[0].events), (2, 0));
    assert!((t[0].mean_predicted - 0.06).abs() < 1e-12);
    assert_eq!((t[1].count, t[2].count, t[3].count), (3, 0, 0));
    assert!((t[1].observed_frequency - 1.0 / 3.0).abs() < 1e-12);
    assert!((t[1].mean_predicted - 0.35).abs() < 1e-12);
    assert!(t[2].observed_frequency.is_nan());
    // 1.0 falls in the last bin, which is closed.
    assert_eq!((t[4].count, t[4].events), (2, 2));
    assert_eq!(t.iter().map(|b| b.count).sum::<usize>(), p.len());
}

#[test]
fn event_labels_censor_the_last_k_strokes() {
    let cof = [0.2, 0.3, 0.2, 0.2, 0.6, 0.55, 0.2];
    assert_eq!(
        event_labels(&cof, 0.5, 2),
        vec![
            Some(false),
            Some(false),
            Some(true),
            Some(true),
            Some(true),
            None,
            None
        ]
    );
    // A stroke above the threshold itself does not count: only the next k strokes do.
    assert_eq!(event_labels(&[0.9, 0.1, 0.1], 0.5, 1)[0], Some(false));
}

#[test]
fn onsets_lead_times_and_warnings_of_a_hand_made_sequence() {
    //          0    1    2    3    4    5    6    7    8    9    10   11   12   13
    let cof = [
        0.2, 0.2, 0.2, 0.2, 0.7, 0.8, 0.3, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.9,
    ];
    let lev = [N, N, W, W, S, S, W, N, N, W, N, N, N, N];
    assert_eq!(onsets(&cof, 0.5), vec![4, 13]);
    // Onset 4: warn since stroke 2 -> lead 2; stop only from stroke 4 -> not warned at stop.
    assert_eq!(lead_time(&lev, 4, W), Some(2));
    assert_eq!(lead_time(&lev, 4, S), None);
    // Onset 13: the alarm was off on stroke 12.
    assert_eq!(lead_time(&lev, 13, W), None);
    assert_eq!(warnings(&lev, W), vec![2, 9]);
    assert_eq!(warnings(&lev, S), vec![4]);
    // k = 3: warning at 2 is followed by onset 4 (true); warning at 9 has no onset in 10..=12 (false).
    let c = classify_warnings(&cof, &lev, 0.5, 3, W);
    assert_eq!(
        (
            c.raised,
            c.true_warnings,
            c.false_warnings,
            c.censored,
            c.while_galled
        ),
        (2, 1, 1, 0, 0)
    );
    assert_eq!(c.clean_strokes, 11);
    // Clean strokes in alarm: 2, 3, 6, 9; with no onset within 3 strokes: 6 (7..=9) and 9 (10..=12).
    assert_eq!((c.alarmed_clean_strokes, c.alarmed_clean_no_onset), (4, 2));
    assert!((c.false_per_100_clean() - 100.0 / 11.0).abs() < 1e-12);
    // k = 1: warning at 2 (onset 4 is 2 strokes later) becomes false; at stop the only warning is
    // raised while galled.
    let c1 = classify_warnings(&cof, &lev, 0.5, 1, W);
    assert_eq!((c1.true_warnings, c1.false_warnings), (0, 2));
    let cs = classify_warnings(&cof, &lev, 0.5, 3, S);
    assert_eq!((cs.raised, cs.while_galled), (1, 1));
    // A warning too close to the end is undecided.
    let cc = classify_warnings(&[0.2, 0.2, 0.2], &[N, N, W], 0.5, 3, W);
    assert_eq!((cc.raised, cc.censored, cc.false_warnings), (1, 1, 0));
}

#[test]
fn block_bootstrap_of_constant_errors_has_a_point_interval() {
    // Every forecast has squared error 0.04: every resample's Brier is 0.04 too.
    let keys: Vec<(usize, usize)> = (0..40).map(|i| (i / 20, i % 20)).collect();
    let mut boot = BlockBootstrap::new(&keys, &[20, 20], 5, 3);
    let p = [0.2; 40];
    let y = [false; 40];
    let samples: Vec<f64> = (0..200)
        .map(|_| {
            let idx = boot.resample();
            assert_eq!(idx.len(), 40);
            let pp: Vec<f64> = idx.iter().map(|&i| p[i]).collect();
            let yy: Vec<bool> = idx.iter().map(|&i| y[i]).collect();
            brier(&pp, &yy)
        })
        .collect();
    assert!((percentile(&samples, 0.05) - 0.04).abs() < 1e-15);
    assert!((percentile(&samples, 0.95) - 0.04).abs() < 1e-15);
}

#[test]
fn block_bootstrap_interval_covers_a_mixed_sequence_and_is_seeded() {
    // Half the blocks perfect, half maximally wrong: resampled Brier scores spread around 0.5.
    let n = 200;
    let keys: Vec<(usize, usize)> = (0..n).map(|i| (0, i)).collect();
    let y: Vec<bool> = (0..n).map(|i| (i / 10) % 2 == 0).collect();
    let p = vec![1.0; n];
    let run = |seed| {
        let mut boot = BlockBootstrap::new(&keys, &[n], 10, seed);
        (0..500)
            .map(|_| {
                let idx = boot.resample();
                let pp: Vec<f64> = idx.iter().map(|&i| p[i]).collect();
                let yy: Vec<bool> = idx.iter().map(|&i| y[i]).collect();
                brier(&pp, &yy)
            })
            .collect::<Vec<f64>>()
    };
    let a = run(9);
    assert_eq!(a, run(9));
    assert_ne!(a, run(10));
    let (lo, hi) = (percentile(&a, 0.05), percentile(&a, 0.95));
    assert!(lo < 0.5 && hi > 0.5 && lo > 0.2 && hi < 0.8, "[{lo}, {hi}]");
    // Whole blocks of 10 are drawn: every resampled Brier is a multiple of 10 / 200.
    for b in &a {
        assert!((b * 20.0 - (b * 20.0).round()).abs() < 1e-9, "{b}");
    }
}

#[test]
fn recalibration_fixes_a_known_over_prediction() {
    // Forecasts of 0.8 that come true 20% of the time, and of 0.1 that come true 10% of the time.
    let mut p = Vec::new();
    let mut y = Vec::new();
    for i in 0..100 {
        p.push(0.8);
        y.push(i % 5 == 0);
        p.push(0.1);
        y.push(i % 10 == 0);
    }
    let iso = Isotonic::fit(&p, &y);
    assert!((iso.apply(0.8) - 0.2).abs() < 1e-12);
    assert!((iso.apply(0.1) - 0.1).abs() < 1e-12);
    let platt = Platt::fit(&p, &y);
    assert!((platt.apply(0.8) - 0.2).abs() < 0.01, "{platt:?}");
    assert!((platt.apply(0.1) - 0.1).abs() < 0.01, "{platt:?}");
    let raw = brier(&p, &y);
    let fixed: Vec<f64> = p.iter().map(|&x| iso.apply(x)).collect();
    assert!(brier(&fixed, &y) < raw - 0.1);
}

fn real_data() -> Option<Dataset> {
    let dir = shared_path("galling-data")?;
    Some(Dataset::load(&dir, &TemperatureMap::parse("25:160").unwrap()).unwrap())
}

#[test]
fn folds_of_the_real_data_cover_each_stroke_once_and_never_bridge_a_gap() {
    let Some(data) = real_data() else {
        return;
    };
    let folds = blocked_folds(&data, 5, 12).unwrap();
    assert_eq!(folds, blocked_folds(&data, 5, 12).unwrap(), "deterministic");
    // Every stroke is held out exactly once over the folds.
    for (i, series) in data.series.iter().enumerate() {
        let mut held = vec![0; series.cof.len()];
        for f in &folds {
            for p in f.test.iter().filter(|p| p.series == i) {
                for j in p.strokes.clone() {
                    held[j] += 1;
                }
            }
        }
        assert!(held.iter().all(|&h| h == 1), "{}", series.label);
    }
    for f in &folds {
        // Training pieces are disjoint from the held-out ones and every training transition is a
        // transition of the original series between consecutive strokes.
        let train = subset(&data, &f.train);
        for (piece, sub) in f.train.iter().zip(&train.series) {
            let original = &data.series[piece.series];
            assert_eq!(sub.cof, original.cof[piece.strokes.clone()]);
            for t in &f.test {
                if t.series == piece.series {
                    assert!(
                        piece.strokes.end <= t.strokes.start
                            || piece.strokes.start >= t.strokes.end
                    );
                }
            }
        }
        let total: usize = data.series.iter().map(|s| s.cof.len()).sum();
        let covered: usize = f.train.iter().chain(&f.test).map(|p| p.strokes.len()).sum();
        assert_eq!(covered, total, "{}", f.name);
        // A held-out block in the middle splits its series: transitions lost = 2 per such block.
        assert!(train.transitions() < data.transitions());
    }
    let t = temporal_split(&data, 0.7, 12).unwrap();
    for (piece, s) in t.train.iter().zip(&data.series) {
        assert_eq!(
            piece.strokes,
            0..(s.cof.len() as f64 * 0.7).floor() as usize
        );
    }
}

/// Parses a replay CSV into rows of fields (header checked).
fn read_csv(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(host_train::replay::CSV_HEADER));
    lines
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

#[test]
fn replay_csv_matches_the_core_monitor_called_directly() {
    let dir = tempfile::tempdir().unwrap();
    let params = repo_root().join("data/v8-published-fit.json");
    let demo = repo_root().join("data/demo");
    run_ok(&[
        "replay",
        "--params",
        s(&params),
        "--data",
        s(&demo),
        "--out",
        s(dir.path()),
        "--quiet",
    ]);
    for f in ["replay.csv", "replay.png", "replay.svg"] {
        assert!(dir.path().join(f).is_file(), "{f}");
    }
    assert!(leftover_temp_files(dir.path()).is_empty());
    let rows = read_csv(&dir.path().join("replay.csv"));
    let data = Dataset::load(&demo, &TemperatureMap::parse("25:160").unwrap()).unwrap();
    assert_eq!(
        rows.len(),
        data.series.iter().map(|s| s.cof.len()).sum::<usize>()
    );
    let (p, _) = host_train::params_file::load(&params).unwrap();
    let model = Model::new(&host_train::params_file::to_f32(&p)).unwrap();
    let mut at = 0;
    let mut warned = 0;
    for series in &data.series {
        let mut monitor = MonitorBuilder::new(model).build_grid::<48>().unwrap();
        for (i, &cof) in series.cof.iter().enumerate() {
            let r = monitor
                .update(i as u32, series.temperature as f32, cof as f32)
                .unwrap();
            let row = &rows[at];
            at += 1;
            let num = |k: usize| row[k].parse::<f64>().unwrap() as f32;
            assert_eq!(row[1], i.to_string());
            assert_eq!(num(4), cof as f32);
            match r.transition {
                Some(t) => {
                    assert_eq!(num(5), t.log_prob);
                    assert_eq!(num(6), t.jump_posterior);
                }
                None => assert!(row[5].is_empty() && row[6].is_empty()),
            }
            assert_eq!(num(7), r.stay_probability);
            assert_eq!(num(8), r.risk.probability, "{} stroke {i}", series.label);
            assert_eq!(num(9), r.risk.expected_strokes);
            assert_eq!(row[10], host_train::replay::level_text(r.alarm.level));
            assert_eq!(row[11], host_train::replay::reason_text(r.alarm.reason));
            warned += usize::from(r.alarm.level != N);
        }
    }
    assert!(warned > 0, "the demo data should raise some alarm");
}

#[test]
fn replay_of_raw_strokes_equals_replay_of_mean_txt() {
    let Some(root) = shared_path("galling-data") else {
        return;
    };
    let params = repo_root().join("data/v8-published-fit.json");
    let tmp = tempfile::tempdir().unwrap();
    // The 165 C mean.txt alone, in the <T>/mean.txt layout.
    let means = tmp.path().join("means");
    std::fs::create_dir_all(means.join("165")).unwrap();
    std::fs::copy(root.join("165/mean.txt"), means.join("165/mean.txt")).unwrap();
    for (precision, cof_tol, risk_tol) in [("f64", 1e-12, 1e-9), ("f32", 1e-5, 2e-3)] {
        let a = tmp.path().join(format!("raw-{precision}"));
        let b = tmp.path().join(format!("mean-{precision}"));
        let common = ["--params", s(&params), "--precision", precision, "--quiet"];
        let strokes = root.join("165/strokes");
        let mut args = vec!["replay", "--strokes", s(&strokes), "--temperature", "165"];
        args.extend(["--out", s(&a), "--no-plots"]);
        args.extend(common);
        run_ok(&args);
        let mut args = vec!["replay", "--data", s(&means), "--out", s(&b), "--no-plots"];
        args.extend(common);
        run_ok(&args);
        let raw = read_csv(&a.join("replay.csv"));
        let mean = read_csv(&b.join("replay.csv"));
        assert_eq!(raw.len(), 112);
        assert_eq!(raw.len(), mean.len());
        let mut level_mismatches = 0;
        for (x, y) in raw.iter().zip(&mean) {
            assert_eq!(x[1..4], y[1..4], "stroke, temperatures");
            let close = |k: usize, tol: f64| {
                let (u, v) = (x[k].parse::<f64>(), y[k].parse::<f64>());
                match (u, v) {
                    (Ok(u), Ok(v)) => {
                        assert!((u - v).abs() <= tol, "{precision} col {k}: {u} vs {v}")
                    }
                    _ => assert_eq!(x[k], y[k]),
                }
            };
            close(4, cof_tol);
            close(8, risk_tol);
            close(9, risk_tol * 20.0);
            level_mismatches += usize::from(x[10..] != y[10..]);
        }
        assert_eq!(
            level_mismatches, 0,
            "{precision}: alarm levels or reasons differ"
        );
    }
}

#[test]
fn validate_on_real_data_writes_finite_numbers() {
    let Some(root) = shared_path("galling-data") else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    // Quick settings for the test profile: 3 folds, short fits, few resamples.
    run_ok(&[
        "validate",
        "--data",
        s(&root),
        "--out",
        s(out.path()),
        "--folds",
        "3",
        "--bootstrap",
        "60",
        "--starts",
        "1",
        "--fit-iterations",
        "10",
        "--mc-trajectories",
        "64",
        "--quiet",
    ]);
    for f in [
        "validation.json",
        "validation.md",
        "reliability.png",
        "reliability.svg",
        "cv_replay.png",
        "cv_replay.svg",
    ] {
        let p = out.path().join(f);
        assert!(
            std::fs::metadata(&p).map(|m| m.len() > 0).unwrap_or(false),
            "{f}"
        );
    }
    assert!(leftover_temp_files(out.path()).is_empty());
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("validation.json")).unwrap())
            .unwrap();
    let schemes = json["schemes"].as_array().unwrap();
    assert_eq!(schemes.len(), 2);
    let finite = |v: &serde_json::Value, what: &str| {
        let x = v
            .as_f64()
            .unwrap_or_else(|| panic!("{what} is not a number: {v}"));
        assert!(x.is_finite(), "{what} = {x}");
        x
    };
    for scheme in schemes {
        let cells = scheme["cells"].as_array().unwrap();
        assert_eq!(cells.len(), 4, "2 horizons x 2 subsets");
        for c in cells {
            assert!(c["forecasts"].as_u64().unwrap() > 50);
            for m in c["scores"].as_array().unwrap() {
                for k in ["estimate", "low", "high"] {
                    let b = finite(&m["brier"][k], "brier");
                    assert!((0.0..=1.0).contains(&b));
                }
                assert!(m["brier"]["low"].as_f64() <= m["brier"]["high"].as_f64());
            }
            for sk in c["skill"].as_array().unwrap() {
                finite(&sk["skill"]["estimate"], "skill");
            }
        }
        let alarms = scheme["alarms"].as_array().unwrap();
        assert!(alarms[0]["onsets"].as_u64().unwrap() > 0);
        for split in scheme["splits"].as_array().unwrap() {
            finite(&split["fit_log_likelihood"], "fit LL");
            finite(&split["test_log_likelihood"], "held-out LL");
        }
    }
    let md = std::fs::read_to_string(out.path().join("validation.md")).unwrap();
    assert!(md.contains("## Conclusions") && md.contains("Brier skill score"));
    assert_eq!(json["settings"]["folds"], 3);
}

#[test]
fn bad_input_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("bad.csv");
    std::fs::write(
        &csv,
        "temperature,series,stroke,cof\n165,a,0,0.2\n165,a,1,zero\n",
    )
    .unwrap();
    let params = repo_root().join("data/v8-published-fit.json");
    let err = run_err(&[
        "replay",
        "--params",
        s(&params),
        "--data",
        s(&csv),
        "--out",
        s(tmp.path()),
    ]);
    assert!(err.contains("bad.csv") && err.contains('3'), "{err}");
    let err = run_err(&["replay", "--params", s(&params), "--out", s(tmp.path())]);
    assert!(err.contains("--data") || err.contains("--strokes"), "{err}");
    let err = run_err(&[
        "validate",
        "--data",
        s(&repo_root().join("data/demo")),
        "--out",
        s(tmp.path()),
        "--folds",
        "1",
    ]);
    assert!(err.contains("folds"), "{err}");
    // A COF the monitor rejects is refused when the data loads (issue 11), naming file, line and value.
    std::fs::write(
        &csv,
        "temperature,series,stroke,cof\n165,a,0,0.2\n165,a,1,2.5\n",
    )
    .unwrap();
    let err = run_err(&[
        "replay",
        "--params",
        s(&params),
        "--data",
        s(&csv),
        "--out",
        s(tmp.path()),
    ]);
    assert!(
        err.contains("bad.csv:3") && err.contains("2.5") && err.contains("outside [0, 2]"),
        "{err}"
    );
}
