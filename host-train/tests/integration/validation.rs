//! Replay and validation: scores on hand-made sequences with known answers, fold construction,
//! the replay against the core monitor, raw strokes against mean.txt, and a quick validation run
//! on the real data.

use crate::common;

use common::{leftover_temp_files, repo_root, run_err, run_ok, s, shared_path};
use galling::Monitor;
use host_train::dataset::{Dataset, TemperatureMap};
use host_train::package::{count, lead_time};
use host_train::validation::folds::{blocked_folds, subset, temporal_split};
use host_train::validation::metrics::{
    BlockBootstrap, Isotonic, Platt, brier, event_labels, onsets, percentile, reliability, skill,
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
    let (f, t) = (false, true);
    let warn = [f, f, t, t, f, f, f, f, f, t, f, f, f, f];
    assert_eq!(onsets(&cof, 0.5), vec![4, 13]);
    // Onset 4: warning raised at stroke 2 -> lead 2; onset 13: the warning was off on stroke 12.
    assert_eq!(lead_time(&warn, 4), Some(2));
    assert_eq!(lead_time(&warn, 13), None);
    // Warning at 2: onset 4 follows within 10 (true); warning at 9: onset 13 follows (true).
    let c = count(&cof, &warn, 0.5, &[true; 14]);
    assert_eq!((c.raised, c.true_raised, c.onsets, c.warned), (2, 2, 2, 1));
    assert_eq!(c.clean, 11);
    assert_eq!(c.clean_alarmed, 3); // strokes 2, 3 and 9
    // Only strokes 0..=6 scored: one warning, one onset.
    let mut scored = [false; 14];
    scored[..7].fill(true);
    let c = count(&cof, &warn, 0.5, &scored);
    assert_eq!((c.raised, c.onsets, c.warned, c.strokes), (1, 1, 1, 7));
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
    let blob = dir.path().join("params.bin");
    run_ok(&[
        "blob",
        "--params",
        s(&params),
        "--data",
        s(&demo),
        "--out",
        s(&blob),
        "--quiet",
    ]);
    run_ok(&[
        "replay",
        "--params",
        s(&blob),
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
    let package = host_train::params_file::load_package(&blob).unwrap();
    let mut at = 0;
    let (mut warned, mut galled, mut hot) = (0, 0, 0);
    for series in &data.series {
        let mut monitor = Monitor::new(package.view());
        for (i, &cof) in series.cof.iter().enumerate() {
            let r = monitor
                .update(i as u32, series.temperature as f32, cof as f32)
                .unwrap();
            let row = &rows[at];
            at += 1;
            let num = |k: usize| row[k].parse::<f64>().unwrap() as f32;
            // series,stroke,temperature,cof,risk,hot_die,onset_warning,galling_detected,...
            assert_eq!(row[1], i.to_string());
            assert_eq!(num(2), r.model_temperature);
            assert_eq!(num(3), cof as f32);
            assert_eq!(num(4), r.risk, "{} stroke {i}", series.label);
            let flag = |b: bool| if b { "1" } else { "0" };
            assert_eq!(row[5], flag(r.hot_die.active));
            assert_eq!(row[6], flag(r.onset_warning.active));
            assert_eq!(row[7], flag(r.galling.active));
            assert_eq!(num(10), r.excess);
            assert_eq!(num(11), r.hot_die.hazard.risk);
            match r.transition {
                Some(t) => {
                    assert_eq!(num(13), t.log_prob);
                    assert_eq!(num(14), t.jump_posterior);
                }
                None => assert!(row[13].is_empty() && row[14].is_empty()),
            }
            warned += usize::from(r.onset_warning.active);
            galled += usize::from(r.galling.active);
            hot += usize::from(r.hot_die.active);
        }
    }
    assert!(
        warned > 0 && galled > 0 && hot > 0,
        "{warned} {galled} {hot}"
    );
}

#[test]
fn replay_of_raw_strokes_equals_replay_of_mean_txt() {
    let Some(root) = shared_path("galling-data") else {
        return;
    };
    let params = repo_root().join("data/v8-published-fit.json");
    let tmp = tempfile::tempdir().unwrap();
    let blob = tmp.path().join("params.bin");
    run_ok(&[
        "blob",
        "--params",
        s(&params),
        "--data",
        s(&root),
        "--out",
        s(&blob),
        "--quiet",
    ]);
    // The 165 C mean.txt alone, in the <T>/mean.txt layout.
    let means = tmp.path().join("means");
    std::fs::create_dir_all(means.join("165")).unwrap();
    std::fs::copy(root.join("165/mean.txt"), means.join("165/mean.txt")).unwrap();
    let a = tmp.path().join("raw");
    let b = tmp.path().join("mean");
    let strokes = root.join("165/strokes");
    run_ok(&[
        "replay",
        "--params",
        s(&blob),
        "--strokes",
        s(&strokes),
        "--temperature",
        "165",
        "--out",
        s(&a),
        "--no-plots",
        "--quiet",
    ]);
    run_ok(&[
        "replay",
        "--params",
        s(&blob),
        "--data",
        s(&means),
        "--out",
        s(&b),
        "--no-plots",
        "--quiet",
    ]);
    let raw = read_csv(&a.join("replay.csv"));
    let mean = read_csv(&b.join("replay.csv"));
    assert_eq!(raw.len(), 112);
    assert_eq!(raw.len(), mean.len());
    let mut signal_mismatches = 0;
    for (x, y) in raw.iter().zip(&mean) {
        assert_eq!(x[1..3], y[1..3], "stroke, temperature");
        let close = |k: usize, tol: f64| {
            let (u, v) = (x[k].parse::<f64>().unwrap(), y[k].parse::<f64>().unwrap());
            assert!((u - v).abs() <= tol, "col {k}: {u} vs {v}");
        };
        // The f32 averager stays within 1e-5 of the shipped means; the risk follows smoothly.
        close(3, 1e-5);
        close(4, 2e-3);
        signal_mismatches += usize::from(x[5..8] != y[5..8]);
    }
    assert_eq!(
        signal_mismatches, 0,
        "signals differ between raw and mean.txt"
    );
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
        let op = &scheme["operator"];
        let rules = op["rules"].as_array().unwrap();
        assert_eq!(
            rules.len(),
            13,
            "the onset warning, three charts and the curve envelope, tuned two ways, and the \
             four single-feature thresholds (the real data has strokes/)"
        );
        assert!(rules[0]["total"]["counts"]["onsets"].as_u64().unwrap() > 0);
        // The curve envelope (issue 16): both rows, one setting per split, and the budget kept on
        // each split's training strokes.
        let budget = &op["target"];
        let (per_100, share) = (
            budget["raises_per_100_clean"].as_f64().unwrap(),
            budget["clean_share"].as_f64().unwrap(),
        );
        let splits = scheme["splits"].as_array().unwrap().len();
        // The single-feature thresholds: one level per split, the budget kept on each split's
        // training strokes.
        for (r, name) in host_train::validation::operator::FEATURE_RULES
            .iter()
            .enumerate()
        {
            let rule = &rules[9 + r];
            assert_eq!(rule["name"], *name);
            assert_eq!(rule["levels"].as_array().unwrap().len(), splits);
            for t in rule["training"].as_array().unwrap() {
                let raised = finite(&t["raised_per_100_clean"], "feature training raises");
                let worst = finite(&t["worst_clean_share"], "feature training share");
                assert!(raised <= per_100 && worst <= share, "{name}: {t}");
            }
        }
        for (r, name) in [(7, "curve envelope"), (8, "curve envelope, same rate")] {
            let rule = &rules[r];
            assert_eq!(rule["name"], name);
            assert_eq!(rule["band_widths"].as_array().unwrap().len(), splits);
            assert_eq!(rule["levels"].as_array().unwrap().len(), splits);
            let training = rule["training"].as_array().unwrap();
            assert_eq!(training.len(), splits);
            for t in training {
                assert!(t["counts"]["clean"].as_u64().unwrap() > 100, "{t}");
                if r == 7 {
                    let raised = finite(&t["raised_per_100_clean"], "envelope training raises");
                    let worst = finite(&t["worst_clean_share"], "envelope training share");
                    assert!(raised <= per_100 && worst <= share, "{name}: {t}");
                }
            }
            // It judges the raw strokes: it warns somewhere, and never at 25 C (no raw strokes).
            assert!(
                rule["total"]["counts"]["raised"].as_u64().unwrap() > 0,
                "{name}"
            );
            for row in rule["by_temperature"].as_array().unwrap() {
                if row["temperature"].as_f64() == Some(25.0) {
                    assert_eq!(row["counts"]["raised"], 0, "{name} at 25 C");
                    assert_eq!(row["counts"]["clean_alarmed"], 0, "{name} at 25 C");
                }
            }
        }
        for r in rules {
            finite(&r["total"]["clean_share"], "clean share");
            finite(&r["total"]["raised_per_100"], "raised per 100");
        }
        let goals = scheme["goals"].as_array().unwrap();
        assert!(goals.len() >= 4);
        for split in scheme["splits"].as_array().unwrap() {
            finite(&split["fit_log_likelihood"], "fit LL");
            finite(&split["test_log_likelihood"], "held-out LL");
        }
    }
    let md = std::fs::read_to_string(out.path().join("validation.md")).unwrap();
    assert!(md.contains("## Conclusions") && md.contains("Brier skill score"));
    assert!(md.contains("Operator figures") && md.contains("CUSUM of COF") && md.contains("EWMA"));
    assert!(md.contains("| curve envelope |") && md.contains("| curve envelope, same rate |"));
    assert_eq!(json["settings"]["folds"], 3);
}

#[test]
fn validate_with_the_event_objective_polishes_every_fit() {
    let Some(root) = shared_path("galling-data") else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let weight = 10.0;
    run_ok(&[
        "validate",
        "--data",
        s(&root),
        "--out",
        s(out.path()),
        "--folds",
        "3",
        "--bootstrap",
        "20",
        "--starts",
        "1",
        "--fit-iterations",
        "10",
        "--mc-trajectories",
        "64",
        "--objective",
        "event",
        "--event-weight",
        "10",
        "--event-cells",
        "30",
        "--event-iterations",
        "4",
        "--quiet",
    ]);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("validation.json")).unwrap())
            .unwrap();
    for scheme in json["schemes"].as_array().unwrap() {
        for split in scheme["splits"].as_array().unwrap() {
            let e = &split["event_polish"];
            let pair = |k: &str| (e[k][0].as_f64().unwrap(), e[k][1].as_f64().unwrap());
            let (e0, e1) = pair("event_loss");
            let (l0, l1) = pair("log_likelihood");
            assert!(e["strokes"][0].as_u64().unwrap() > 100, "{e}");
            // The polish never ends above its start on -LL + W x event loss.
            assert!(-l1 + weight * e1 <= -l0 + weight * e0, "{e}");
            assert!((split["fit_log_likelihood"].as_f64().unwrap() - l1).abs() < 1e-6 * l1.abs());
        }
    }
    let md = std::fs::read_to_string(out.path().join("validation.md")).unwrap();
    assert!(md.contains("Event-objective polish") && md.contains("x event loss"));
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

#[test]
fn the_event_objective_refuses_a_variant_other_than_v8() {
    let data = Dataset::load(repo_root().join("data/demo"), &TemperatureMap::default()).unwrap();
    let config = host_train::validation::ValidateConfig {
        fit: host_train::fit::FitOptions {
            model: host_train::fit::ModelId::V7,
            ..Default::default()
        },
        event: Some(host_train::fit::event::EventSettings::default()),
        ..Default::default()
    };
    let e = host_train::validation::validate(&data, &config, &host_train::progress::ignore)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("--objective event is written for V8 only; the fit is V7"),
        "{e}"
    );
}

#[test]
fn validate_fits_the_chosen_variant_in_every_fold() {
    let out = tempfile::tempdir().unwrap();
    let demo = repo_root().join("data/demo");
    run_ok(&[
        "validate",
        "--model",
        "v9",
        "--data",
        s(&demo),
        "--out",
        s(out.path()),
        "--folds",
        "2",
        "--bootstrap",
        "20",
        "--starts",
        "1",
        "--fit-iterations",
        "10",
        "--mc-trajectories",
        "64",
        "--quiet",
    ]);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("validation.json")).unwrap())
            .unwrap();
    let fit = json["settings"]["fit"].as_str().unwrap();
    assert!(fit.starts_with("model V9 (12 parameters)"), "{fit}");
    let md = std::fs::read_to_string(out.path().join("validation.md")).unwrap();
    assert!(
        md.contains("model V9 (12 parameters)"),
        "the report names the variant"
    );
}
