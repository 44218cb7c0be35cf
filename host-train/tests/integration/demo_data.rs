//! The shipped synthetic demo data is exactly what `host-train demo-data` generates.

use crate::common;
use common::{repo_root, run_ok, s};

#[test]
fn regenerating_the_demo_data_reproduces_the_shipped_files() {
    let out = tempfile::tempdir().unwrap();
    let stdout = run_ok(&["demo-data", "--out", s(out.path())]);
    assert!(stdout.contains("332 strokes"), "{stdout}");
    for (t, strokes) in [("25", 332), ("165", 112), ("167.5", 280), ("170", 142)] {
        let shipped = repo_root().join("data/demo").join(t).join("mean.txt");
        let want = std::fs::read(&shipped).unwrap_or_else(|e| panic!("{}: {e}", shipped.display()));
        let got = std::fs::read(out.path().join(t).join("mean.txt")).unwrap();
        assert!(
            got == want,
            "data/demo/{t}/mean.txt differs from a fresh generation"
        );
        assert_eq!(String::from_utf8(got).unwrap().lines().count(), strokes);
    }
}

#[test]
fn another_seed_gives_other_data() {
    let a = tempfile::tempdir().unwrap();
    run_ok(&["-q", "demo-data", "--out", s(a.path()), "--seed", "6"]);
    let got = std::fs::read(a.path().join("170/mean.txt")).unwrap();
    let shipped = std::fs::read(repo_root().join("data/demo/170/mean.txt")).unwrap();
    assert_ne!(got, shipped);
}
