//! Parameter files end to end: the blob file round-trips through `evaluate`, and every way a blob
//! file can be damaged is reported with its byte offset and the file name.

mod common;
use common::{repo_root, run_err, run_ok, s};
use galling::blob::{self, BLOB_LEN, CRC_OFFSET, HEADER_LEN};
use galling::{ParamField, V8Params};

fn demo() -> String {
    repo_root().join("data/demo").display().to_string()
}

/// Rewrites the CRC after a deliberate change to the content.
fn fix_crc(bytes: &mut [u8]) {
    let crc = blob::crc32(&bytes[..CRC_OFFSET]);
    bytes[CRC_OFFSET..BLOB_LEN].copy_from_slice(&crc.to_le_bytes());
}

#[test]
fn published_json_and_blob_files_evaluate_alike() {
    let dir = tempfile::tempdir().unwrap();
    let json = repo_root().join("data/v8-published-fit.json");
    let (p, _) = host_train::params_file::load(&json).unwrap();
    assert_eq!(p, V8Params::PUBLISHED_FIT.map(f64::from));
    let bin = dir.path().join("published.bin");
    std::fs::write(&bin, host_train::params_file::to_blob(&p).unwrap()).unwrap();
    let from_json = run_ok(&[
        "evaluate",
        "--params",
        s(&json),
        "--data",
        &demo(),
        "--json",
    ]);
    let from_blob = run_ok(&["evaluate", "--params", s(&bin), "--data", &demo(), "--json"]);
    // The published values are float32 numbers, so the blob holds them exactly.
    assert_eq!(from_json, from_blob);
    let table: serde_json::Value = serde_json::from_str(&from_json).unwrap();
    assert_eq!(table["transitions"], 862);
    assert_eq!(table["per_temperature"].as_array().unwrap().len(), 4);
    assert_eq!(table["per_temperature"][0]["model_temperature"], 160.0);
    let text = run_ok(&["evaluate", "--params", s(&bin), "--data", &demo()]);
    assert!(text.contains("total") && text.contains("167.5"), "{text}");
}

#[test]
fn every_blob_error_names_the_file_and_offset() {
    let good = blob::encode(&V8Params::PUBLISHED_FIT).unwrap();
    let mut cases: Vec<(&str, Vec<u8>, &str)> = Vec::new();
    cases.push(("truncated", good[..40].to_vec(), "truncated: 40 bytes"));
    cases.push(("header-only", good[..8].to_vec(), "truncated: 8 bytes"));
    let mut b = good.to_vec();
    b[..4].copy_from_slice(&[0xFF; 4]);
    cases.push(("erased", b, "bad magic at byte 0"));
    let mut b = good.to_vec();
    b[4] = 9;
    cases.push(("version", b, "format version 9 at byte 4"));
    let mut b = good.to_vec();
    b[7] ^= 0x55;
    cases.push(("layout", b, "at byte 6 does not match"));
    let mut b = good.to_vec();
    b[HEADER_LEN + 5] ^= 1;
    cases.push(("crc", b, "CRC-32 at byte 70"));
    let mut b = good.to_vec();
    let at = HEADER_LEN + 4 * ParamField::Tau.index();
    b[at..at + 4].copy_from_slice(&f32::NAN.to_le_bytes());
    fix_crc(&mut b);
    cases.push(("nan", b, "at byte 46: parameter tau is not a finite number"));
    let mut b = good.to_vec();
    let at = HEADER_LEN + 4 * ParamField::MuH.index();
    b[at..at + 4].copy_from_slice(&0.1_f32.to_le_bytes());
    fix_crc(&mut b);
    cases.push(("wells", b, "the clean well mu_L must lie below"));
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes, want) in cases {
        let path = dir.path().join(format!("{name}.bin"));
        std::fs::write(&path, &bytes).unwrap();
        let e = run_err(&["evaluate", "--params", s(&path), "--data", &demo()]);
        assert!(
            e.contains(&format!("{name}.bin")) && e.contains(want),
            "{name}: expected `{want}` in:\n{e}"
        );
    }
}

#[test]
fn malformed_json_names_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.json");
    std::fs::write(
        &path,
        "{\n  \"params\": {\n    \"mu_L\": 0.2,\n    \"mu_H\": oops\n",
    )
    .unwrap();
    let e = run_err(&["evaluate", "--params", s(&path), "--data", &demo()]);
    assert!(e.contains("p.json:4:"), "{e}");
    let missing = dir.path().join("missing.json");
    let e = run_err(&["evaluate", "--params", s(&missing), "--data", &demo()]);
    assert!(e.contains("missing.json: cannot read"), "{e}");
}

#[test]
fn simulate_writes_reproducible_csv() {
    let dir = tempfile::tempdir().unwrap();
    let params = repo_root().join("data/v8-published-fit.json");
    let a = dir.path().join("a.csv");
    let b = dir.path().join("b.csv");
    for out in [&a, &b] {
        let args = [
            "simulate",
            "--params",
            s(&params),
            "--temperature",
            "167.5",
            "--strokes",
            "50",
            "--runs",
            "4",
            "--seed",
            "3",
            "--out",
            s(out),
        ];
        let stdout = run_ok(&args);
        assert!(stdout.contains("4 runs x 50 strokes"), "{stdout}");
    }
    let text = std::fs::read_to_string(&a).unwrap();
    assert_eq!(text, std::fs::read_to_string(&b).unwrap());
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("run,stroke,temperature,cof"));
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').map(|f| f.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 200);
    assert_eq!(rows[0], vec![0.0, 0.0, 167.5, f64::from(0.15_f32)]);
    assert!(rows.iter().all(|r| (0.1..=1.3).contains(&r[3])));
    let e = run_err(&[
        "simulate",
        "--params",
        s(&params),
        "--temperature",
        "170",
        "--strokes",
        "0",
        "--out",
        s(&dir.path().join("c.csv")),
    ]);
    assert!(e.contains("--strokes"), "{e}");
}
