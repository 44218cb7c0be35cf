//! Bounded inputs (issue 11): data outside the monitor's ranges, parameter files that would overflow
//! the f32 model, and simulation sizes beyond memory are refused with errors that name the file (and
//! line) or the option, instead of a NaN table with exit 0, a panic or an abort.

use crate::common;
use common::{repo_root, run_err, s};

fn params_json(dir: &std::path::Path, field: &str, value: &str) -> std::path::PathBuf {
    let text = std::fs::read_to_string(repo_root().join("data/v8-published-fit.json")).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["params"][field] = serde_json::from_str(value).unwrap();
    let path = dir.join(format!("{field}.json"));
    std::fs::write(&path, json.to_string()).unwrap();
    path
}

#[test]
fn parameter_files_beyond_f32_or_unbounded_are_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = repo_root().join("data/demo");
    for (field, value, want) in [
        ("tau", "1e39", "parameter tau is beyond the f32 range"),
        ("g0", "-2.1e35", "the tilt g(T) reaches about 1e35"),
        ("sigma_jump_up", "0", "parameter sigma_jump_up is zero"),
    ] {
        let p = params_json(dir.path(), field, value);
        let e = run_err(&["evaluate", "--params", s(&p), "--data", s(&data)]);
        assert!(
            e.contains(&format!("{field}.json: ")) && e.contains(want),
            "{field}: {e}"
        );
        // the cause is said once
        assert_eq!(e.matches(want).count(), 1, "{e}");
    }
}

#[test]
fn training_data_outside_the_monitor_ranges_is_refused_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    for (name, rows, want) in [
        (
            "negative",
            "170,a,1,0.2\n170,a,2,-5\n",
            ":3: cof -5 is outside [0, 2]",
        ),
        (
            "huge",
            "170,a,1,1e300\n170,a,2,0.2\n",
            ":2: cof 1e300 is outside [0, 2]",
        ),
        (
            "hot",
            "170,a,1,0.2\n450,a,2,0.2\n",
            ":3: temperature 450 is outside [-40, 400]",
        ),
    ] {
        let csv = dir.path().join(format!("{name}.csv"));
        std::fs::write(&csv, format!("temperature,series,stroke,cof\n{rows}")).unwrap();
        let out = dir.path().join(format!("{name}-out"));
        let e = run_err(&["train", "--data", s(&csv), "--out", s(&out), "--no-plots"]);
        assert!(e.contains(&format!("{name}.csv{want}")), "{name}: {e}");
        assert!(
            !out.exists(),
            "{name}: a failed run created its output folder"
        );
    }
}

#[test]
fn simulate_sizes_and_ranges_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let params = repo_root().join("data/v8-published-fit.json");
    let out = dir.path().join("sim.csv");
    let base = ["simulate", "--params", s(&params), "--out", s(&out)];
    for (extra, want) in [
        (
            &["--temperature", "165", "--strokes", "18446744073709551615"][..],
            "--strokes 18446744073709551615 must be between 1 and 1000000",
        ),
        (
            &["--temperature", "165", "--strokes", "100000000000"][..],
            "--strokes 100000000000 must be between 1 and 1000000",
        ),
        (
            &["--temperature", "165", "--runs", "0"][..],
            "--runs 0 must be between 1 and 100000",
        ),
        (
            &[
                "--temperature",
                "165",
                "--strokes",
                "100000",
                "--runs",
                "1000",
            ][..],
            "is 100000000 values, more than 20000000",
        ),
        (
            &["--temperature", "1e9"][..],
            "--temperature 1000000000 is outside [-40, 400]",
        ),
        (
            &["--temperature", "165", "--start=-1"][..],
            "--start -1 is outside [0, 2]",
        ),
    ] {
        let args: Vec<&str> = base.iter().chain(extra).copied().collect();
        let e = run_err(&args);
        assert!(e.contains(want), "{extra:?}: {e}");
        assert!(!e.contains("panicked"), "{e}");
        assert!(!out.exists());
    }
}
