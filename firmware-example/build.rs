//! Build script: picks the memory map, names the blob file to embed, and turns the project's demo
//! data (`../data/demo/<T>/mean.txt`) into a stroke table for the example program.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// Strokes taken from the start of each demo series.
const STROKES_PER_SERIES: usize = 24;

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let root = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));

    // Memory map: QEMU mps2-an386 by default, STM32F407 with the `stm32f407` feature, QEMU microbit
    // (nRF51822, Cortex-M0) for the thumbv6m-none-eabi target; copied to OUT_DIR/memory.x (no
    // memory.x in the package root, where the linker would find it first). The Cortex-M0 build gets
    // the cfg `microbit`: its instruction counter is the nRF51's TIMER0 (`timer.rs`), and the
    // on-target tests leave out what does not fit its 16 KiB of RAM.
    let qemu = env::var_os("CARGO_FEATURE_QEMU").is_some();
    let board = env::var_os("CARGO_FEATURE_STM32F407").is_some();
    if qemu == board {
        panic!("enable exactly one of the features `qemu` (default) and `stm32f407`");
    }
    println!("cargo::rustc-check-cfg=cfg(microbit)");
    let cortex_m0 = env::var("TARGET").is_ok_and(|t| t.starts_with("thumbv6m"));
    if cortex_m0 && board {
        panic!("the `stm32f407` feature is a Cortex-M4F board: build it for thumbv7em-none-eabihf");
    }
    let map = if board {
        "memory-stm32f407.x"
    } else if cortex_m0 {
        println!("cargo::rustc-cfg=microbit");
        "memory-microbit.x"
    } else {
        "memory-mps2-an386.x"
    };
    fs::copy(root.join(map), out.join("memory.x")).expect("copy the memory map");
    println!("cargo:rustc-link-search={}", out.display());
    // cortex-m-rt's and defmt's linker scripts, for every binary and test of this package.
    println!("cargo:rustc-link-arg=-Tlink.x");
    println!("cargo:rustc-link-arg=-Tdefmt.x");
    println!("cargo:rerun-if-changed=memory-mps2-an386.x");
    println!("cargo:rerun-if-changed=memory-stm32f407.x");
    println!("cargo:rerun-if-changed=memory-microbit.x");

    // The blob file placed into `.params` by the `embed-blob` feature.
    println!("cargo:rerun-if-env-changed=GALLING_BLOB");
    let blob = env::var_os("GALLING_BLOB")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("blob/published_fit.glng"));
    let blob = if blob.is_absolute() {
        blob
    } else {
        root.join(blob)
    };
    println!("cargo:rerun-if-changed={}", blob.display());
    println!("cargo:rustc-env=GALLING_BLOB_FILE={}", blob.display());

    // Demo strokes for the replay.
    println!("cargo:rerun-if-env-changed=GALLING_DEMO_DIR");
    let demo = env::var_os("GALLING_DEMO_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../data/demo"));
    println!("cargo:rerun-if-changed={}", demo.display());
    let table = match demo_table(&demo) {
        Ok(t) => t,
        Err(e) => format!(
            "compile_error!({:?});\n",
            format!("demo strokes: {e} (the example replays ../data/demo/<T>/mean.txt)")
        ),
    };
    fs::write(out.join("demo_strokes.rs"), table).expect("write demo_strokes.rs");
}

/// `pub const DEMO_STROKES: &[DemoStroke]` from the first strokes of every `<T>/mean.txt` below `dir`.
fn demo_table(dir: &Path) -> Result<String, String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut series = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(temperature) = name.parse::<f32>() else {
            continue;
        };
        let file = entry.path().join("mean.txt");
        if !file.is_file() {
            continue;
        }
        println!("cargo:rerun-if-changed={}", file.display());
        let text = fs::read_to_string(&file)
            .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let mut cof = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let value: f32 = line.parse().map_err(|_| {
                format!("{}:{}: `{line}` is not a COF value", file.display(), n + 1)
            })?;
            cof.push(value);
            if cof.len() == STROKES_PER_SERIES {
                break;
            }
        }
        if cof.len() < 2 {
            return Err(format!("{} has fewer than two strokes", file.display()));
        }
        series.push((temperature, cof));
    }
    if series.is_empty() {
        return Err(format!("no <T>/mean.txt series in {}", dir.display()));
    }
    series.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut s = String::from(
        "/// Strokes replayed by the example (generated by build.rs from the demo data).\n",
    );
    s.push_str("pub const DEMO_STROKES: &[DemoStroke] = &[\n");
    for (temperature, cof) in &series {
        for (i, c) in cof.iter().enumerate() {
            let series_start = i == 0;
            writeln!(
                s,
                "    DemoStroke {{ recorded_temperature: f32::from_bits({:#010x}), cof: f32::from_bits({:#010x}), series_start: {series_start} }}, // {temperature} C, {c}",
                temperature.to_bits(),
                c.to_bits()
            )
            .expect("write to a String");
        }
    }
    s.push_str("];\n");
    Ok(s)
}
