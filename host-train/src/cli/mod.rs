//! The command-line layer of the `host-train` binary: argument parsing (clap), error reporting
//! (anyhow) and progress bars (indicatif) live here and in `main.rs`, never in the library, whose
//! functions return typed errors and report progress through plain callbacks.
//!
//! One file per command: its flags (clap `Args`, with the rules between flags as clap attributes
//! and value parsers) and `run`, which turns the flags into the library's options, calls the
//! library (whose `validate` functions check what clap cannot) and prints the outcome.

pub mod analyze;
pub mod average;
pub mod blob;
pub mod compare;
pub mod demo_data;
pub mod evaluate;
pub mod replay;
pub mod simulate;
pub mod train;
pub mod tune;
pub mod validate;

use anyhow::Result;
use host_train::dataset::{Dataset, TemperatureMap};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::time::Duration;

/// `--data` and `--map`: per-stroke data and the temperature mapping.
#[derive(Debug, clap::Args)]
pub struct DataArgs {
    /// Per-stroke data: a folder of <T>/mean.txt (T in degC, one COF a line) or a CSV file with the
    /// header temperature,series,stroke,cof.
    #[arg(long, default_value = "data/demo")]
    pub data: PathBuf,
    /// Temperatures to evaluate recorded series at, as RECORDED:MODEL pairs separated by commas
    /// (default 25:160: the 25 C baseline is evaluated as 160 C). Pass "" for no mapping.
    #[arg(long, default_value = "25:160")]
    pub map: String,
}

impl DataArgs {
    /// Loads the data, telling the user what loading changed.
    pub fn load(&self, quiet: bool) -> Result<(Dataset, TemperatureMap)> {
        let map = TemperatureMap::parse(&self.map)?;
        let (data, report) = Dataset::load_reported(&self.data, &map)?;
        show_load_report(&report, quiet);
        Ok((data, map))
    }
}

/// The monitor written into the blob.
#[derive(Debug, clap::Args)]
pub struct MonitorArgs {
    /// Galling threshold, COF: a stroke above it is galled (the same in the blob, replay and
    /// validate).
    #[arg(long, default_value_t = galling::risk::DEFAULT_GALLING_THRESHOLD)]
    pub galling_threshold: f32,
    /// Forecast horizon of the risk, strokes (1 to 100).
    #[arg(long, default_value_t = galling::risk::DEFAULT_HORIZON)]
    pub horizon: u16,
    /// Onset-warning budget on the training strokes: warnings raised per 100 clean strokes, at most.
    #[arg(long, default_value_t = 4.0)]
    pub warnings_per_100_clean: f64,
    /// Onset-warning budget: share of the clean strokes of any series under a warning, at most.
    #[arg(long, default_value_t = 0.10)]
    pub clean_share: f64,
}

impl MonitorArgs {
    /// The library's monitor options (not yet validated: see
    /// [`host_train::train::MonitorOptions::validate`]).
    pub fn options(&self) -> host_train::train::MonitorOptions {
        host_train::train::MonitorOptions {
            threshold: self.galling_threshold,
            horizon: self.horizon,
            target: host_train::package::CalibrationTarget {
                raises_per_100_clean: self.warnings_per_100_clean,
                clean_share: self.clean_share,
            },
        }
    }
}

/// A value parser for counts of at least `min` (e.g. `--sim-runs`, `--fit-iterations`).
pub fn at_least(min: usize) -> impl Fn(&str) -> Result<usize, String> + Clone + Send + Sync {
    move |s: &str| {
        let n: usize = s.parse().map_err(|e| format!("{e}"))?;
        if n < min {
            return Err(format!("must be at least {min}"));
        }
        Ok(n)
    }
}

/// A value parser for a finite number of degC.
pub fn finite_temperature(s: &str) -> Result<f64, String> {
    let t: f64 = s.parse().map_err(|e| format!("{e}"))?;
    if !t.is_finite() {
        return Err("must be a finite number of degC".into());
    }
    Ok(t)
}

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

/// Shows the library's progress on `bar`: length, position, and as message `label` (or, without
/// one, the stage), with the best log-likelihood once there is one.
pub fn show_progress(
    bar: &ProgressBar,
    label: Option<&str>,
    p: host_train::progress::Progress<'_>,
) {
    bar.set_length(p.total as u64);
    bar.set_position(p.done as u64);
    let what = label.unwrap_or(p.stage);
    if p.best_log_likelihood.is_finite() {
        bar.set_message(format!("{what}, best LL {:.3}", p.best_log_likelihood));
    } else if label.is_none() {
        bar.set_message(what.to_string());
    }
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

#[cfg(test)]
mod tests {
    use crate::{Cli, Command};
    use clap::Parser;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("host-train").chain(args.iter().copied()))
    }

    fn refused(args: &[&str]) -> String {
        match parse(args) {
            Ok(cli) => panic!("{args:?} was accepted: {cli:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn replay_takes_data_or_strokes_with_a_temperature() {
        let base = ["replay", "--params", "p.json", "--out", "o"];
        let with = |extra: &[&'static str]| -> Vec<&'static str> { [&base[..], extra].concat() };
        assert!(parse(&with(&["--data", "d"])).is_ok());
        assert!(parse(&with(&["--strokes", "s", "--temperature", "165"])).is_ok());
        let e = refused(&with(&[
            "--data",
            "d",
            "--strokes",
            "s",
            "--temperature",
            "165",
        ]));
        assert!(e.contains("cannot be used with"), "{e}");
        let e = refused(&with(&["--strokes", "s"]));
        assert!(e.contains("--temperature"), "{e}");
        let e = refused(&base);
        assert!(e.contains("--data"), "{e}");
        let e = refused(&with(&["--strokes", "s", "--temperature", "inf"]));
        assert!(e.contains("finite number of degC"), "{e}");
    }

    #[test]
    fn tune_shards_are_parsed_and_exclude_merge() {
        let cli = parse(&["tune", "--shard", "1/4"]).unwrap();
        let Command::Tune(t) = cli.command else {
            panic!("not tune")
        };
        assert_eq!(t.shard, Some((1, 4)));
        for (bad, want) in [
            ("4/4", "need 0 <= I < N"),
            ("1/0", "need 0 <= I < N"),
            ("x/4", "I is not a number"),
            ("1-4", "expected I/N"),
        ] {
            let e = refused(&["tune", "--shard", bad]);
            assert!(e.contains(want) && e.contains("--shard"), "{bad}: {e}");
        }
        let e = refused(&["tune", "--shard", "0/2", "merge", "s.json"]);
        assert!(
            e.contains("cannot be used with") || e.contains("unexpected"),
            "{e}"
        );
        let e = refused(&["tune", "merge"]);
        assert!(e.contains("<SHARDS>"), "{e}");
    }

    #[test]
    fn counts_have_their_lower_bounds() {
        for args in [
            &["train", "--sim-runs", "0"][..],
            &["validate", "--fit-iterations", "0"],
        ] {
            let e = refused(args);
            assert!(e.contains("must be at least 1"), "{args:?}: {e}");
        }
        assert!(parse(&["train", "--sim-runs", "1"]).is_ok());
    }

    #[test]
    fn models_are_the_family_keys() {
        let cli = parse(&["train", "--variant", "v9"]).unwrap();
        let Command::Train(t) = cli.command else {
            panic!("not train")
        };
        assert_eq!(t.model, galling::family::ModelId::V9);
        let e = refused(&["compare", "--models", "v8,v99"]);
        assert!(e.contains("unknown model `v99`"), "{e}");
    }

    #[test]
    fn quiet_is_global() {
        assert!(
            parse(&["evaluate", "--params", "p.json", "-q"])
                .unwrap()
                .quiet
        );
    }
}
