//! Parameter files end to end: the blob file (written by `host-train blob`) round-trips through
//! `evaluate`, a version-1 blob is refused with how to re-export it and re-exported, and every way a
//! blob file can be damaged is reported with its byte offset and the file name.

use crate::common;
use common::{repo_root, run_err, run_ok, s};
use galling::blob::{self, PARAMS_OFFSET};
use galling::family::ModelId;
use galling::{ParamField, V8Params};

fn demo() -> String {
    repo_root().join("data/demo").display().to_string()
}

/// Rewrites the CRC after a deliberate change to the content.
fn fix_crc(bytes: &mut [u8]) {
    let at = blob::crc_offset(ModelId::V8);
    let crc = blob::crc32(&bytes[..at]);
    bytes[at..at + 4].copy_from_slice(&crc.to_le_bytes());
}

#[test]
fn published_json_and_blob_files_evaluate_alike() {
    let dir = tempfile::tempdir().unwrap();
    let json = repo_root().join("data/v8-published-fit.json");
    let (p, _) = host_train::params_file::load(&json).unwrap();
    assert_eq!(
        p,
        galling::family::ModelParams::from(V8Params::PUBLISHED_FIT.map(f64::from))
    );
    let bin = dir.path().join("published.bin");
    let out = run_ok(&[
        "blob",
        "--params",
        s(&json),
        "--data",
        &demo(),
        "--out",
        s(&bin),
    ]);
    assert!(out.contains("onset warning calibrated"), "{out}");
    let package = host_train::params_file::load_package(&bin).unwrap();
    assert_eq!(package.table().temperature_range(), (160.0, 170.0));
    assert_eq!(package.table().threshold(), 0.5);
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

/// The version-1 blob of the published fit (magic, version 1, layout hash, 15 f32, CRC-32).
fn v1_blob() -> Vec<u8> {
    let mut b = b"V8GP".to_vec();
    b.extend(1u16.to_le_bytes());
    b.extend(0x1234_5678_u32.to_le_bytes());
    for x in V8Params::PUBLISHED_FIT.to_array() {
        b.extend(x.to_le_bytes());
    }
    let crc = blob::crc32(&b);
    b.extend(crc.to_le_bytes());
    b
}

#[test]
fn a_version_1_blob_is_refused_with_how_to_re_export_it_and_re_exports() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.bin");
    std::fs::write(&old, v1_blob()).unwrap();
    let err = galling::blob::decode(&v1_blob()).unwrap_err();
    assert!(
        err.to_string().contains("host-train blob --params"),
        "{err}"
    );
    let new = dir.path().join("new.bin");
    run_ok(&[
        "blob",
        "--params",
        s(&old),
        "--data",
        &demo(),
        "--out",
        s(&new),
    ]);
    let package = host_train::params_file::load_package(&new).unwrap();
    assert_eq!(package.params().to_v8(), Some(V8Params::PUBLISHED_FIT));
}

/// A version-2 blob of the published fit (the previous release's fixed offsets: header with the
/// model id and parameter count, 17 parameter slots, settings and table, CRC-32 over 5436 bytes).
fn v2_blob() -> Vec<u8> {
    let mut b = b"GLNG".to_vec();
    b.extend(2u16.to_le_bytes());
    b.extend([1, 15]);
    b.extend(0xd99e_6156_u32.to_le_bytes());
    b.extend(5440_u32.to_le_bytes());
    for i in 0..17 {
        let x = V8Params::PUBLISHED_FIT
            .to_array()
            .get(i)
            .copied()
            .unwrap_or(0.0);
        b.extend(x.to_le_bytes());
    }
    b.resize(5436, 0);
    let crc = blob::crc32(&b);
    b.extend(crc.to_le_bytes());
    b
}

#[test]
fn a_version_2_blob_is_refused_with_how_to_re_export_it_and_re_exports() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.bin");
    std::fs::write(&old, v2_blob()).unwrap();
    let err = galling::blob::decode(&v2_blob()).unwrap_err();
    assert_eq!(err, galling::blob::BlobError::Version2);
    assert!(
        err.to_string().contains("host-train blob --params"),
        "{err}"
    );
    let new = dir.path().join("new.bin");
    run_ok(&[
        "blob",
        "--params",
        s(&old),
        "--data",
        &demo(),
        "--out",
        s(&new),
    ]);
    let package = host_train::params_file::load_package(&new).unwrap();
    assert_eq!(package.params().to_v8(), Some(V8Params::PUBLISHED_FIT));
}

fn good_blob() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("good.bin");
    let json = repo_root().join("data/v8-published-fit.json");
    run_ok(&[
        "blob",
        "--params",
        s(&json),
        "--data",
        &demo(),
        "--out",
        s(&bin),
    ]);
    std::fs::read(&bin).unwrap()
}

#[test]
fn every_blob_error_names_the_file_and_offset() {
    let good = good_blob();
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
    b[9] ^= 0x55;
    cases.push(("layout", b, "at byte 7 does not match"));
    let mut b = good.to_vec();
    b[PARAMS_OFFSET + 5] ^= 1;
    let crc_at = format!("CRC-32 at byte {}", blob::crc_offset(ModelId::V8));
    cases.push(("crc", b, &crc_at));
    let mut b = good.to_vec();
    let at = PARAMS_OFFSET + 4 * ParamField::Tau.index();
    b[at..at + 4].copy_from_slice(&f32::NAN.to_le_bytes());
    fix_crc(&mut b);
    cases.push((
        "nan",
        b,
        "at byte 52 (V8 parameters): parameter tau is not a finite number",
    ));
    let mut b = good.to_vec();
    let at = blob::settings_offset(ModelId::V8);
    b[at..at + 4].copy_from_slice(&2.0_f32.to_le_bytes());
    fix_crc(&mut b);
    let settings_at = format!("at byte {at}: hot_die_target");
    cases.push(("settings", b, &settings_at));
    let mut b = good.to_vec();
    let at = PARAMS_OFFSET + 4 * ParamField::MuH.index();
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

/// Every command that reads a parameter file takes any variant's: evaluate, blob (and the blob back
/// through evaluate), simulate, analyze and replay, for V7 (another kernel) and V9 (a restriction).
#[test]
fn every_command_reads_every_variant() {
    use galling::family::{ModelId, ModelParams, V7Params};
    let dir = tempfile::tempdir().unwrap();
    let v8 = ModelParams::from(V8Params::PUBLISHED_FIT.map(f64::from));
    // V9 at the published V8 fit's values of its parameters (k = h0).
    let v9_values: Vec<f64> = ModelId::V9
        .variant()
        .fields
        .iter()
        .map(|f| v8.get(if f.name == "k" { "h0" } else { f.name }).unwrap())
        .collect();
    for params in [
        ModelParams::from(V7Params::UPSTREAM_FIT.map(f64::from)),
        ModelParams::new(ModelId::V9, &v9_values).unwrap(),
    ] {
        let key = params.model().key();
        let json = dir.path().join(format!("{key}.json"));
        std::fs::write(&json, host_train::params_file::to_json(&params, key)).unwrap();
        let want = host_train::summary::LlTable::new(
            &params,
            &host_train::dataset::Dataset::load(repo_root().join("data/demo"), &Default::default())
                .unwrap(),
        )
        .unwrap()
        .total;
        let out = run_ok(&[
            "evaluate",
            "--params",
            s(&json),
            "--data",
            &demo(),
            "--json",
        ]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert!(
            (v["total"].as_f64().unwrap() - want).abs() < 1e-9,
            "{key}: {out}"
        );
        let bin = dir.path().join(format!("{key}.bin"));
        run_ok(&[
            "blob",
            "--params",
            s(&json),
            "--data",
            &demo(),
            "--out",
            s(&bin),
        ]);
        let package = host_train::params_file::load_package(&bin).unwrap();
        assert_eq!(package.params().model(), params.model(), "{key}");
        let (back, _) = host_train::params_file::load(&bin).unwrap();
        assert_eq!(back, params.map(|v| v as f32 as f64));
        let csv = dir.path().join(format!("{key}-sim.csv"));
        run_ok(&[
            "--quiet",
            "simulate",
            "--params",
            s(&bin),
            "--temperature",
            "165",
            "--strokes",
            "20",
            "--out",
            s(&csv),
        ]);
        assert_eq!(std::fs::read_to_string(&csv).unwrap().lines().count(), 21);
        let analysis = dir.path().join(format!("{key}-analysis"));
        run_ok(&[
            "--quiet",
            "analyze",
            "--params",
            s(&json),
            "--data",
            &demo(),
            "--out",
            s(&analysis),
        ]);
        let a: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(analysis.join("analysis.json")).unwrap())
                .unwrap();
        // The start-only parameters are left out of the information.
        let trained = params
            .variant()
            .fields
            .iter()
            .filter(|f| !host_train::fit::START_ONLY.contains(&f.name))
            .count();
        assert_eq!(a["parameters"].as_array().unwrap().len(), trained, "{key}");
        let replay = dir.path().join(format!("{key}-replay"));
        run_ok(&[
            "--quiet",
            "replay",
            "--params",
            s(&bin),
            "--data",
            &demo(),
            "--out",
            s(&replay),
        ]);
        assert!(replay.join("replay.csv").is_file(), "{key}");
    }
}
