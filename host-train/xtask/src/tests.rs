//! The checked-in golden and blob files equal what the generators produce from the current core and
//! demo data (the same comparison as `cargo xtask check`, without the firmware's half), so
//! `cargo test --workspace` catches a stale file too; and the variants' parameter sets are what the
//! docs say.

use crate::{GENERATORS, family_golden, stale_files};
use galling::family::ModelId;

#[test]
fn checked_in_golden_and_blob_files_equal_the_generators_output() {
    let root = crate::repo_root();
    let mut count = 0;
    for (what, generate) in GENERATORS {
        let files = generate(&root).unwrap_or_else(|e| panic!("{what}: {e}"));
        count += files.len();
        let stale = stale_files(&root, &files);
        assert!(
            stale.is_empty(),
            "{what}: {stale:?} differ from the generator's output: run `cargo xtask generate`"
        );
    }
    // golden_vectors: 4 golden files and 2 blobs; family: 4 blobs and its golden file; monitor: 1
    assert_eq!(count, 12);
}

#[test]
fn variant_parameter_sets_are_what_the_docs_say() {
    // V8-13: the published V8 fit with its tilt removed, every other value unchanged.
    let v8 = family_golden::params_of(ModelId::V8).unwrap();
    let v8_13 = family_golden::params_of(ModelId::V8_13).unwrap();
    let full = v8_13.to_v8().unwrap();
    assert_eq!((full.g0, full.g_t), (0.0, 0.0));
    for f in ModelId::V8_13.variant().fields {
        assert_eq!(v8_13.get(f.name), v8.get(f.name), "{}", f.name);
    }
    // V9: the reference file's values, when the shared reference folder is present.
    let reference = crate::repo_root().join("../shared/reference/v9-upstream-fit.json");
    if let Ok(text) = std::fs::read_to_string(&reference) {
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        let v9 = family_golden::params_of(ModelId::V9).unwrap();
        for f in ModelId::V9.variant().fields {
            let want = json["params"][f.name]
                .as_f64()
                .unwrap_or_else(|| panic!("{}", f.name));
            assert_eq!(v9.get(f.name).map(f64::from), Some(want), "{}", f.name);
        }
    }
}
