//! The project's one generator of generated files, and its check (an `xtask`):
//!
//! ```text
//! cargo xtask generate                      # (repository root) write every golden and blob file
//! cargo xtask check                         # fail if any checked-in generated file is stale
//! cargo xtask precursor-replay --out FILE   # the real-data replay (never checked in) to FILE
//! ```
//! `xtask` is an alias of `.cargo/config.toml`: `cargo run -p xtask --`.
//!
//! Files, in the order they are written (a later generator reads what an earlier one wrote):
//! 1. `golden_vectors.rs`: `firmware-example/golden/{transitions,trajectories,strokes,strokes_f32}.rs`
//!    and `firmware-example/blob/{published_fit,corrupt_crc}.glng`;
//! 2. `family_golden.rs`: `firmware-example/blob/{v8_13,v9,v7,v8_precursor}.glng` and
//!    `firmware-example/golden/family.rs` (reads `published_fit.glng`);
//! 3. `monitor_golden.rs`: `tests/golden/monitor_golden.rs` (reads `published_fit.glng`);
//! 4. the firmware workspace's half, which needs its own crates (cbindgen, the C API's report
//!    adapter): `firmware-example/replay/strokes.bin` (reads `published_fit.glng` and `v7.glng`) and
//!    `firmware-example/galling-capi/include/galling.h`, by the firmware's generator
//!    (`firmware-example/host-tools`, run here as `cargo xtask generate-firmware|check-firmware` in
//!    `firmware-example`, whose alias names it). `precursor-replay` is forwarded to it as well.
//!
//! In `firmware-example`, `cargo xtask generate|check` (the firmware workspace's alias) comes back
//! here: both workspaces' `cargo xtask` run this one generator.
//!
//! `firmware-example/blob/v8_precursor_fit.glng` is a fit (`host-train train --model v8-precursor`),
//! not generated here. The checked-in files need no real data; the precursor replay does (exit
//! status 3 without `../shared/galling-data`, nothing written).

mod family_golden;
mod golden_vectors;
mod monitor_golden;
#[cfg(test)]
mod tests;
mod transitions;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// One generated file: path relative to the repository root, and its bytes.
pub struct GeneratedFile {
    /// Path relative to the repository root.
    pub path: PathBuf,
    /// Content.
    pub bytes: Vec<u8>,
}

/// A generator: every file it produces from the repository at `root`.
type Generator = fn(&Path) -> Result<Vec<GeneratedFile>, String>;

/// The host generators in the order they must run (`family_golden` and `monitor_golden` read the
/// `published_fit.glng` that `golden_vectors` writes).
const GENERATORS: [(&str, Generator); 3] = [
    ("golden vectors", golden_vectors::generate),
    ("family golden files", family_golden::generate),
    ("monitor golden file", monitor_golden::generate),
];

/// The repository root (this crate lies in `host-train/xtask/`).
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The files of `files` whose checked-in bytes differ from the generated ones (or are missing).
fn stale_files(root: &Path, files: &[GeneratedFile]) -> Vec<PathBuf> {
    files
        .iter()
        .filter(|f| std::fs::read(root.join(&f.path)).ok().as_deref() != Some(&f.bytes[..]))
        .map(|f| f.path.clone())
        .collect()
}

/// Writes `bytes` to `path` through a temporary file beside it, renamed over it: never a
/// half-written file.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Runs the host generators: writes their files (`generate`) or counts the stale ones (`check`).
fn host_files(root: &Path, write: bool) -> Result<usize, String> {
    let mut stale = 0;
    for (what, generate) in GENERATORS {
        let files = generate(root).map_err(|e| format!("{what}: {e}"))?;
        if write {
            for f in &files {
                write_file(&root.join(&f.path), &f.bytes)?;
                println!("wrote {} ({} bytes)", f.path.display(), f.bytes.len());
            }
        } else {
            let out = stale_files(root, &files);
            for f in &files {
                if out.contains(&f.path) {
                    println!(
                        "STALE: {} differs from the generator's output (run `cargo xtask generate`)",
                        f.path.display()
                    );
                } else {
                    println!("current: {}", f.path.display());
                }
            }
            stale += out.len();
        }
    }
    Ok(stale)
}

/// Runs the firmware's generator (`cargo xtask <args>` in `firmware-example`, its own workspace
/// and target directory) and returns its exit status.
fn firmware(root: &Path, args: &[String]) -> Result<ExitCode, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .arg("xtask")
        .args(args)
        .current_dir(root.join("firmware-example"))
        // the firmware workspace keeps its own target directory
        .env_remove("CARGO_TARGET_DIR")
        .status()
        .map_err(|e| format!("cannot run the firmware's generator: {e}"))?;
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        None => ExitCode::FAILURE,
    })
}

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let root = repo_root();
    let mode = args.first().cloned().unwrap_or_default();
    let result = match mode.as_str() {
        "generate" | "check" => host_files(&root, mode == "generate").and_then(|stale| {
            let firmware = firmware(&root, &[format!("{mode}-firmware")])?;
            if stale > 0 {
                println!("{stale} host-generated file(s) are stale");
                Ok(ExitCode::FAILURE)
            } else {
                Ok(firmware)
            }
        }),
        "precursor-replay" => {
            // FILE is the caller's path: made absolute before the generator runs in firmware-example
            if let (Some(flag), Some(file)) = (args.get(1), args.get(2))
                && flag == "--out"
                && let Ok(cwd) = std::env::current_dir()
            {
                args[2] = cwd.join(file).display().to_string();
            }
            firmware(&root, &args)
        }
        _ => {
            eprintln!("usage: cargo xtask generate|check|precursor-replay --out FILE");
            return ExitCode::from(2);
        }
    };
    result.unwrap_or_else(|e| {
        eprintln!("xtask: {e}");
        ExitCode::FAILURE
    })
}
