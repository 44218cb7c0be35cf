//! Every error names what was wrong once: the library's errors carry their context in the message
//! and the cause in `source()`, so the chain (what the CLI prints) never repeats the operating
//! system's message.

use crate::common;
use common::{repo_root, run_err, s};

/// How often the OS's "not found" message appears.
fn not_found_count(text: &str) -> usize {
    text.matches("(os error 2)").count()
}

#[test]
fn library_error_chains_name_the_io_cause_once() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no/such/params.json");

    let e = host_train::params_file::load(&missing).unwrap_err();
    let text = host_train::error_chain(&e);
    assert_eq!(not_found_count(&text), 1, "{text}");
    assert!(text.contains("params.json"), "{text}");

    let e = host_train::atomic::write(&dir.path().join("no/such/out.bin"), b"x").unwrap_err();
    let text = host_train::error_chain(&e);
    assert_eq!(not_found_count(&text), 1, "{text}");
    assert!(text.contains("out.bin"), "{text}");

    let e = host_train::dataset::Dataset::load(&missing, &Default::default()).unwrap_err();
    let text = host_train::error_chain(&e);
    assert_eq!(not_found_count(&text), 1, "{text}");

    // A refused blob: the file in the message, the decoder's byte offset once in the cause.
    let bad = dir.path().join("bad.bin");
    std::fs::write(&bad, b"not a blob at all").unwrap();
    let e = host_train::params_file::load(&bad).unwrap_err();
    let text = host_train::error_chain(&e);
    assert_eq!(text.matches("at byte 0").count(), 1, "{text}");
    assert_eq!(text.matches("bad.bin").count(), 1, "{text}");
}

#[test]
fn cli_prints_a_missing_file_message_once() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.json");
    let err = run_err(&["evaluate", "--params", s(&missing)]);
    assert_eq!(not_found_count(&err), 1, "{err}");
    assert!(err.contains("missing.json"), "{err}");

    // An output that cannot be written: the destination named, the OS's reason once.
    let demo = repo_root().join("data/demo");
    let out = dir.path().join("no/such/folder/params.bin");
    let params = repo_root().join("data/v8-published-fit.json");
    let err = run_err(&[
        "blob",
        "--params",
        s(&params),
        "--data",
        s(&demo),
        "--out",
        s(&out),
    ]);
    assert_eq!(not_found_count(&err), 1, "{err}");
    assert!(err.contains("params.bin"), "{err}");
}
