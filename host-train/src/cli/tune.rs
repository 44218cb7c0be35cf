//! `host-train tune` and `host-train tune merge`: their arguments and the run.

use anyhow::Result;
use host_train::tune;
use std::path::PathBuf;

/// Arguments of `host-train tune`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct TuneArgs {
    #[command(subcommand)]
    pub action: Option<TuneAction>,
    /// Per-stroke data (folder of <T>/mean.txt or CSV); the 25 C series is mapped per configuration.
    #[arg(long, default_value = "data/demo")]
    pub data: PathBuf,
    /// Output folder.
    #[arg(long, default_value = "out/tune")]
    pub out: PathBuf,
    /// Plan file (JSON, see the tune module docs); default: the built-in plan.
    #[arg(long)]
    pub plan: Option<PathBuf>,
    /// Run only slice I of N of the phase-1 runs (runs with index % N == I) and write
    /// <out>/shard-I-of-N.json; combine the shards with `tune merge`.
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    pub shard: Option<(usize, usize)>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
}

/// The subcommands of `host-train tune`.
#[derive(Debug, clap::Subcommand)]
pub enum TuneAction {
    /// Combine shard files into the report one run writes (runs phases 2 and 3).
    Merge(TuneMergeArgs),
}

/// Arguments of `host-train tune merge`.
#[derive(Debug, clap::Args)]
pub struct TuneMergeArgs {
    /// The data the shards ran on.
    #[arg(long, default_value = "data/demo")]
    pub data: PathBuf,
    /// Output folder.
    #[arg(long, default_value = "out/tune")]
    pub out: PathBuf,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Shard files (shard-I-of-N.json) or folders holding them.
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
}

/// `--shard I/N` ([`tune::parse_shard`]).
fn parse_shard(s: &str) -> Result<(usize, usize), String> {
    tune::parse_shard(s).map_err(|e| e.to_string())
}

/// Runs `host-train tune` (or `tune merge`).
///
/// # Errors
/// A bad plan or shard set, unreadable data, a failed run, or an output that cannot be written.
pub fn run(a: &TuneArgs, quiet: bool) -> Result<()> {
    let outcome = if let Some(TuneAction::Merge(m)) = &a.action {
        let files = tune::shard_files(&m.shards)?;
        tune::merge(&m.data, &m.out, &files, m.threads)?
    } else {
        let plan = match &a.plan {
            Some(p) => tune::load_plan(p)?,
            None => tune::Plan::default(),
        };
        let options = tune::TuneOptions {
            data: a.data.clone(),
            out: a.out.clone(),
            plan,
            shard: a.shard,
            threads: a.threads,
        };
        let progress = super::progress_bar(quiet, "phase 1 runs");
        let on = |p: host_train::progress::Progress<'_>| super::show_progress(&progress, None, p);
        let result = tune::run(&options, &on);
        progress.finish_and_clear();
        match result? {
            Some(o) => o,
            None => {
                if !quiet {
                    let (i, n) = a.shard.unwrap_or((0, 1));
                    println!(
                        "wrote {}",
                        a.out.join(format!("shard-{i}-of-{n}.json")).display()
                    );
                }
                return Ok(());
            }
        }
    };
    if !quiet {
        let r = &outcome.report;
        println!(
            "{} phase-1 runs; default test AVG {}, combined test AVG {}; study {:.1} s",
            r.runs.len(),
            r.default.test_avg.map_or("-".into(), |v| format!("{v:.5}")),
            r.combined_score
                .test_avg
                .map_or("-".into(), |v| format!("{v:.5}")),
            outcome.timing.total
        );
        for f in &outcome.files {
            println!("  {}", f.display());
        }
    }
    Ok(())
}
