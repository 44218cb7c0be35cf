//! Puts memory.x where the linker finds it (cortex-m-rt's link.x includes it) and links with link.x.
//! Build through link-proof.sh: it sets RUSTFLAGS, which replaces the rustflags of
//! firmware-example/.cargo/config.toml (defmt.x, which this binary does not use).
fn main() {
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::copy("memory.x", out.join("memory.x")).expect("copy memory.x");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rustc-link-arg-bins=-Tlink.x");
    println!("cargo:rerun-if-changed=memory.x");
}
