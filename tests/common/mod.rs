//! Helpers shared by the integration tests: where the real data and the reference fit live.
#![allow(dead_code)]

use galling::dataset::{Dataset, TemperatureMap};
use galling::{ParamField, V8Params};
use std::path::PathBuf;

/// `../shared` next to the project, or `$GALLING_SHARED`.
pub fn shared_dir() -> PathBuf {
    std::env::var_os("GALLING_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"))
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
