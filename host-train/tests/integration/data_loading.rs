//! What the CLI says about the data it loads: a split at a stroke-number gap is reported, a folder
//! that cannot be a series is refused by name.

use crate::common;
use common::{repo_root, run, run_err, s};

fn params() -> std::path::PathBuf {
    repo_root().join("data/v8-published-fit.json")
}

#[test]
fn evaluate_reports_a_series_split_at_a_stroke_gap() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("press.csv");
    std::fs::write(
        &csv,
        "temperature,series,stroke,cof\n170,a,1,0.2\n170,a,2,0.21\n170,a,3,0.22\n\
         170,a,1000,0.6\n170,a,1001,0.62\n",
    )
    .unwrap();
    let out = run(&["evaluate", "--params", s(&params()), "--data", s(&csv)]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("note: series 170/a: stroke numbers jump 3->1000: split into 2 series"),
        "{stderr}"
    );
    // three transitions (1-2, 2-3, 1000-1001), not four
    let json = run(&[
        "evaluate",
        "--params",
        s(&params()),
        "--data",
        s(&csv),
        "--json",
    ]);
    let table: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let text = table.to_string();
    assert!(text.contains("\"transitions\":3"), "{text}");
}

#[test]
fn evaluate_refuses_nan_folders_and_folders_without_mean_txt() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("170")).unwrap();
    std::fs::write(dir.path().join("170/mean.txt"), "0.2\n0.3\n").unwrap();
    std::fs::create_dir_all(dir.path().join("NaN")).unwrap();
    std::fs::write(dir.path().join("NaN/mean.txt"), "0.2\n0.3\n").unwrap();
    let err = run_err(&[
        "evaluate",
        "--params",
        s(&params()),
        "--data",
        s(dir.path()),
    ]);
    assert!(
        err.contains("NaN: folder name `NaN` is not a finite temperature"),
        "{err}"
    );
    std::fs::remove_dir_all(dir.path().join("NaN")).unwrap();
    std::fs::create_dir_all(dir.path().join("165")).unwrap();
    let err = run_err(&[
        "evaluate",
        "--params",
        s(&params()),
        "--data",
        s(dir.path()),
    ]);
    assert!(err.contains("165: no mean.txt"), "{err}");
}
