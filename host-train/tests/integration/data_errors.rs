//! Malformed per-stroke data is refused with an error naming the file and line (and the column
//! where it applies), by every command that reads data.

use crate::common;
use common::{repo_root, run_err, s};
use std::path::Path;

fn params() -> String {
    repo_root()
        .join("data/v8-published-fit.json")
        .display()
        .to_string()
}

fn evaluate_err(data: &Path) -> String {
    run_err(&["evaluate", "--params", &params(), "--data", s(data)])
}

#[test]
fn csv_errors_name_file_line_and_column() {
    let cases = [
        (
            "text.csv",
            "temperature,series,stroke,cof\n170,a,1,0.2\n170,a,2,abc\n",
            "text.csv:3: cof `abc` is not a number",
        ),
        (
            "nan.csv",
            "temperature,series,stroke,cof\n170,a,1,NaN\n170,a,2,0.3\n",
            "nan.csv:2: cof `NaN` is not finite",
        ),
        (
            "unknown.csv",
            "temperature,series,stroke,friction\n170,a,1,0.2\n",
            "unknown.csv:1: unknown column `friction`",
        ),
        (
            "missing.csv",
            "temperature,series,cof\n170,a,0.2\n",
            "missing.csv:1: missing column `stroke`",
        ),
        (
            "empty.csv",
            "temperature,series,stroke,cof\n",
            "empty.csv: no data rows",
        ),
        (
            "temperature.csv",
            "temperature,series,stroke,cof\nhot,a,1,0.2\n",
            "temperature.csv:2: temperature `hot` is not a number",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (name, text, want) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let e = evaluate_err(&path);
        assert!(e.contains(want), "{name}: expected `{want}` in:\n{e}");
    }
}

#[test]
fn mean_txt_errors_name_file_and_line() {
    let cases = [
        ("0.2\n0.21\nabc\n", "mean.txt:3: COF `abc` is not a number"),
        ("0.2\nNaN\n0.3\n", "mean.txt:2: COF `NaN` is not finite"),
        ("", "mean.txt: series has 0 strokes"),
        ("0.2\n\n0.3\n", "mean.txt:2: empty line inside the series"),
    ];
    for (text, want) in cases {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("170")).unwrap();
        std::fs::write(dir.path().join("170/mean.txt"), text).unwrap();
        let e = evaluate_err(dir.path());
        assert!(e.contains(want), "expected `{want}` in:\n{e}");
        assert!(e.contains("170"), "{e}");
    }
    let dir = tempfile::tempdir().unwrap();
    let e = evaluate_err(dir.path());
    assert!(e.contains("no <temperature>/mean.txt series found"), "{e}");
}

#[test]
fn train_refuses_bad_data_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.csv");
    std::fs::write(
        &path,
        "temperature,series,stroke,cof\n170,a,1,0.2\n170,a,2,x\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let e = run_err(&["train", "--data", s(&path), "--out", s(&out)]);
    assert!(e.contains("bad.csv:3: cof `x` is not a number"), "{e}");
    assert!(
        !out.exists(),
        "no output folder for a run that failed on its data"
    );
}

#[test]
fn bad_temperature_map_is_refused() {
    let e = run_err(&[
        "evaluate",
        "--params",
        &params(),
        "--data",
        s(&repo_root().join("data/demo")),
        "--map",
        "25-160",
    ]);
    assert!(e.contains("RECORDED:MODEL"), "{e}");
}
