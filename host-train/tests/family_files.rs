//! The firmware example's per-variant blobs and golden file
//! (`firmware-example/blob/{v8_13,v9,v7,v8_precursor}.glng`, `firmware-example/golden/family.rs`) must equal what the generator
//! (`host-train/examples/family_golden.rs`) produces from the current core, so the on-target family
//! tests can never run against stale expectations.

#[path = "../examples/family_golden.rs"]
mod generator;

use galling::family::ModelId;

#[test]
fn checked_in_family_files_equal_the_generator_output() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("repository root");
    let files = generator::generate(root).expect("generate the family golden files");
    assert_eq!(files.len(), 5, "four blobs and the golden file");
    for f in files {
        let path = root.join(&f.path);
        let on_disk = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (run the generator)", path.display()));
        assert!(
            on_disk == f.bytes,
            "{} is stale: run `cargo run -p host-train --example family_golden`",
            f.path.display()
        );
    }
}

#[test]
fn variant_parameter_sets_are_what_the_docs_say() {
    // V8-13: the published V8 fit with its tilt removed, every other value unchanged.
    let v8 = generator::params_of(ModelId::V8).unwrap();
    let v8_13 = generator::params_of(ModelId::V8_13).unwrap();
    let full = v8_13.to_v8().unwrap();
    assert_eq!((full.g0, full.g_t), (0.0, 0.0));
    for f in ModelId::V8_13.variant().fields {
        assert_eq!(v8_13.get(f.name), v8.get(f.name), "{}", f.name);
    }
    // V9: the reference file's values, when the shared reference folder is present.
    let reference = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/reference/v9-upstream-fit.json");
    if let Ok(text) = std::fs::read_to_string(&reference) {
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        let v9 = generator::params_of(ModelId::V9).unwrap();
        for f in ModelId::V9.variant().fields {
            let want = json["params"][f.name]
                .as_f64()
                .unwrap_or_else(|| panic!("{}", f.name));
            assert_eq!(v9.get(f.name).map(f64::from), Some(want), "{}", f.name);
        }
    }
}
