//! Helpers shared by the host-train integration tests.
#![allow(dead_code)]

use galling::{ParamField, V8Params};
use host_train::dataset::{Dataset, TemperatureMap};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `shared/` beside the repository, or `$GALLING_SHARED`.
pub fn shared_dir() -> PathBuf {
    std::env::var_os("GALLING_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"))
}

/// The path below `shared/`, or `None` to skip (only outside CI: with `CI` set a missing file fails).
pub fn shared_path(rel: &str) -> Option<PathBuf> {
    let p = shared_dir().join(rel);
    if p.exists() {
        return Some(p);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "{} is missing, and CI is set: the real data must be present in CI",
            p.display()
        );
    }
    report_skip(&format!(
        "{} not found (set GALLING_SHARED to the shared folder; with CI set this fails)",
        p.display()
    ));
    None
}

/// The real galling data with 25 C evaluated as 160 C.
pub fn real_data() -> Option<Dataset> {
    let dir = shared_path("galling-data")?;
    Some(Dataset::load(&dir, &TemperatureMap::default()).expect("real data loads"))
}

/// The published fit's parameters and its expected per-temperature log-likelihoods.
pub fn reference_fit() -> Option<(V8Params<f64>, serde_json::Value)> {
    let path = shared_path("reference/v8-published-fit.json")?;
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let values = ParamField::ALL.map(|f| {
        json["params"][f.name()]
            .as_f64()
            .unwrap_or_else(|| panic!("reference lacks {f}"))
    });
    Some((V8Params::from_array(values), json))
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs the host-train binary with `args`.
pub fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_host-train"))
        .args(args)
        .output()
        .expect("host-train runs")
}

/// Runs host-train and returns stdout; panics with stderr on failure.
pub fn run_ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "host-train {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs host-train expecting failure; returns stderr.
pub fn run_err(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        !out.status.success(),
        "host-train {args:?} should have failed; stdout:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The path as a `&str` for command lines.
pub fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Numbers of a one-value-a-line file.
pub fn read_lines(p: &Path) -> Vec<f64> {
    std::fs::read_to_string(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .lines()
        .map(|l| {
            l.trim()
                .parse()
                .unwrap_or_else(|_| panic!("{}: `{l}`", p.display()))
        })
        .collect()
}

/// Files in a folder whose names look like temporary files of an atomic write.
pub fn leftover_temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".tmp") || n.contains(".tmp."))
                .collect()
        })
        .unwrap_or_default()
}

/// Reports a skipped test where a person sees it: straight to the terminal (not through the test
/// harness's captured output, which a passing test never shows) and into
/// `target/tmp/skipped-tests.txt`, which `scripts/test.sh` counts and prints after the run.
pub fn report_skip(reason: &str) {
    use std::io::Write;
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    let line = format!("SKIPPED {test}: {reason}\n");
    let _ = std::io::stderr().write_all(line.as_bytes());
    let log = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("skipped-tests.txt");
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
    {
        let _ = f.write_all(line.as_bytes());
    }
}
