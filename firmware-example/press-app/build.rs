//! Build script: the memory map, the factory image of blob slot A (slot header, the blob
//! `GALLING_BLOB` or ../blob/published_fit.glng, commit word; layout in src/blob_store/format.rs),
//! and the replay file (`GALLING_REPLAY` or ../replay/strokes.bin, passed to `src/replay.rs` as
//! `GALLING_REPLAY_FILE`).

use std::env;
use std::fs;
use std::path::PathBuf;

#[allow(dead_code)]
#[path = "src/blob_store/format.rs"]
mod format;

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let root = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    fs::copy(root.join("memory.x"), out.join("memory.x")).expect("copy memory.x");
    println!("cargo:rustc-link-search={}", out.display());
    // cortex-m-rt's and defmt's linker scripts, for every binary and test of this package.
    println!("cargo:rustc-link-arg=-Tlink.x");
    println!("cargo:rustc-link-arg=-Tdefmt.x");
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rerun-if-changed=src/blob_store/format.rs");

    println!("cargo:rerun-if-env-changed=GALLING_REPLAY");
    let replay = env::var_os("GALLING_REPLAY")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../replay/strokes.bin"));
    let replay = fs::canonicalize(&replay)
        .unwrap_or_else(|e| panic!("cannot find the replay file {}: {e}", replay.display()));
    println!("cargo:rerun-if-changed={}", replay.display());
    println!("cargo:rustc-env=GALLING_REPLAY_FILE={}", replay.display());

    println!("cargo:rerun-if-env-changed=GALLING_BLOB");
    let blob_path = env::var_os("GALLING_BLOB")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../blob/published_fit.glng"));
    println!("cargo:rerun-if-changed={}", blob_path.display());
    let blob = fs::read(&blob_path)
        .unwrap_or_else(|e| panic!("cannot read the blob {}: {e}", blob_path.display()));
    let mut image = format::header(1, blob.len() as u32).to_vec();
    image.extend_from_slice(&blob);
    image.resize(format::commit_offset(blob.len()), 0xFF);
    image.extend_from_slice(&format::commit_word(1));
    fs::write(out.join("factory_slot.bin"), image).expect("write factory_slot.bin");
}
