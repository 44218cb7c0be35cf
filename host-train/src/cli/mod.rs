//! The command-line layer of the `host-train` binary: argument parsing (clap), error reporting
//! (anyhow) and progress bars (indicatif) live here and in `main.rs`, never in the library, whose
//! functions return typed errors and report progress through plain callbacks.

pub mod replay;
pub mod validate;

use indicatif::{ProgressBar, ProgressStyle};
use std::time::Duration;

/// The progress bar of every long command (hidden with `--quiet`): `what` is its first message;
/// the caller sets length and position from the library's progress callback.
pub fn progress_bar(quiet: bool, what: &str) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(1);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {msg:40} [{elapsed_precise}] {wide_bar} {pos}/{len} (eta {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message(what.to_string());
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Parses a `--model` value: a variant's key from the family's table (`v8`, `v8-13`, `v9`, `v7`),
/// so a new variant is selectable without touching the CLI.
pub fn parse_model(key: &str) -> Result<galling::family::ModelId, String> {
    galling::family::ModelId::from_key(key).ok_or_else(|| {
        let keys: Vec<&str> = galling::family::ModelId::ALL
            .iter()
            .map(|m| m.key())
            .collect();
        format!("unknown model `{key}`: one of {}", keys.join(", "))
    })
}

/// Tells the user what loading the data changed (series split at stroke-number gaps), on stderr so
/// that `--json` output stays clean; nothing with `--quiet`.
pub fn show_load_report(report: &host_train::dataset::LoadReport, quiet: bool) {
    if !quiet {
        for line in report.lines() {
            eprintln!("note: {line}");
        }
    }
}

/// The error and each of its causes once, joined by `": "` (the library's errors name their
/// context in their message and leave the cause to `source()`, so nothing repeats).
pub fn error_message(e: &anyhow::Error) -> String {
    format!("{e:#}")
}
