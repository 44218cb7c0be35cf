//! The firmware example's checked-in golden vectors and blob files must equal what the generator
//! (`host-train/examples/golden_vectors.rs`) produces from the current core and demo data, so the on-target
//! tests can never run against stale expectations.

#[path = "../examples/golden_vectors.rs"]
mod generator;

#[test]
fn checked_in_golden_files_equal_the_generator_output() {
    let root = &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let files = generator::generate(root).expect("generate the golden vectors");
    assert_eq!(files.len(), 6);
    for f in files {
        let path = root.join(&f.path);
        let on_disk = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (run the generator)", path.display()));
        assert!(
            on_disk == f.bytes,
            "{} is stale: run `cargo run -p host-train --example golden_vectors`",
            f.path.display()
        );
    }
}
