//! Checkpoints of a SNES or Adam run and resuming from them.
//!
//! A checkpoint (`checkpoint.json` in the output folder, written atomically) holds the whole state of
//! the run between two generations or epochs ([`super::snes::SnesState`]: mean, step sizes, random
//! generator state, best point, counters, loss log; [`super::strategy::AdamState`]: point, moments,
//! step count, plateau scheduler, best point, counters, loss log) with a fingerprint of what
//! produced it: a hash of the training and test data and the fit settings that change the result.
//! The module knows no method: it stores any [`OptimizerState`] under the method's name. A run resumed from it
//! continues exactly where the interrupted one stopped, so its parameters are bit-identical to an
//! uninterrupted run's. A checkpoint from other data or other settings is refused, naming what differs.

use super::{FitError, FitOptions};
use crate::dataset::Dataset;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// File name of a checkpoint inside its folder.
pub const FILE: &str = "checkpoint.json";
const FORMAT: &str = "host-train checkpoint";
const VERSION: u32 = 1;

/// Checkpoint settings of a fit ([`FitOptions::checkpoint`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Checkpointing {
    /// Folder the checkpoint is written to (as [`FILE`]).
    pub dir: PathBuf,
    /// Write a checkpoint every this many generations or epochs (0: only when stopped by
    /// `stop_after`).
    pub every: usize,
    /// Continue from the checkpoint in this folder.
    pub resume: Option<PathBuf>,
    /// Stop after this generation (SNES) or epoch (Adam), leaving a checkpoint, with [`FitError::Interrupted`] (a hook for
    /// tests and time-boxed batch jobs). Not part of the fingerprint.
    pub stop_after: Option<usize>,
}

impl Checkpointing {
    /// The checkpoint step after generation or epoch `done` of a run, the same for every method:
    /// writes the run's state (built by `state` only then) when a checkpoint is due (`every`) or
    /// the run stops here (`stop_after`), and then stops it with [`FitError::Interrupted`].
    ///
    /// # Errors
    /// The checkpoint cannot be written, or [`FitError::Interrupted`] at `stop_after`.
    pub(crate) fn after<S: OptimizerState>(
        &self,
        done: usize,
        fingerprint: &Fingerprint,
        state: impl FnOnce() -> S,
    ) -> Result<(), FitError> {
        let due = self.every > 0 && done.is_multiple_of(self.every);
        let stop = self.stop_after == Some(done);
        if due || stop {
            save(&self.dir, fingerprint, &state())?;
        }
        if stop {
            return Err(FitError::Interrupted { generation: done });
        }
        Ok(())
    }
}

/// What a checkpoint must match to be resumed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// FNV-1a hash of the training and test data (labels, model temperatures, COF values), hex.
    pub data_hash: String,
    /// The settings that change the result.
    pub settings: serde_json::Value,
}

/// The state of an optimizer between two generations or epochs, as a checkpoint stores it; each
/// checkpointed method owns its state type ([`super::snes::SnesState`],
/// [`super::strategy::AdamState`]) and names it by [`METHOD`](Self::METHOD).
///
/// ```
/// use host_train::fit::checkpoint::OptimizerState;
/// assert_eq!(<host_train::fit::snes::SnesState as OptimizerState>::METHOD, "Snes");
/// assert_eq!(<host_train::fit::strategy::AdamState as OptimizerState>::NAME, "Adam");
/// ```
pub trait OptimizerState: Serialize + serde::de::DeserializeOwned {
    /// The method's key in the file (the state is stored under it).
    const METHOD: &'static str;
    /// The method's name in messages (`"SNES"`, `"Adam"`).
    const NAME: &'static str;
}

/// "a SNES run" / "an Adam run": the run a checkpoint of method key `method` holds.
fn run_of(method: &str) -> String {
    match method {
        "Snes" => "a SNES run".into(),
        "Adam" => "an Adam run".into(),
        other => format!("a run of `{other}`"),
    }
}

/// The file: the state is stored under its method's name (`{"Snes": {...}}`).
#[derive(Debug, Serialize, Deserialize)]
struct File {
    format: String,
    version: u32,
    fingerprint: Fingerprint,
    state: serde_json::Map<String, serde_json::Value>,
}

/// 64-bit FNV-1a.
fn fnv(hash: &mut u64, bytes: &[u8]) {
    for b in bytes {
        *hash ^= u64::from(*b);
        *hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
}

/// Hash of the data sets, hex (used by checkpoints and the tuning study).
pub fn data_hash(sets: &[Option<&Dataset>]) -> String {
    let mut h = 0xcbf2_9ce4_8422_2325_u64;
    for set in sets {
        match set {
            None => fnv(&mut h, b"none;"),
            Some(d) => {
                for s in &d.series {
                    fnv(&mut h, s.label.as_bytes());
                    fnv(&mut h, &s.temperature.to_bits().to_le_bytes());
                    fnv(&mut h, &(s.cof.len() as u64).to_le_bytes());
                    for c in &s.cof {
                        fnv(&mut h, &c.to_bits().to_le_bytes());
                    }
                }
                fnv(&mut h, b"end;");
            }
        }
    }
    format!("{h:016x}")
}

/// The fingerprint of a fit of `train` (and `test`) with `options`.
pub fn fingerprint(train: &Dataset, test: Option<&Dataset>, options: &FitOptions) -> Fingerprint {
    Fingerprint {
        data_hash: data_hash(&[Some(train), test]),
        settings: serde_json::json!({
            "model": options.model.key(),
            "method": options.method,
            "seed": options.seed,
            "physical": options.physical,
            "starts": options.starts,
            "fixed": options.fixed,
            "l2": options.l2,
            "start": options.start.map(|s| s.values().to_vec()),
        }),
    }
}

/// Writes the checkpoint of `state` into `dir` atomically.
pub(crate) fn save<S: OptimizerState>(
    dir: &Path,
    fingerprint: &Fingerprint,
    state: &S,
) -> Result<(), FitError> {
    std::fs::create_dir_all(dir).map_err(|e| {
        FitError::Checkpoint(format!("cannot create the folder {}: {e}", dir.display()))
    })?;
    let value = serde_json::to_value(state)
        .map_err(|e| FitError::Checkpoint(format!("cannot encode the checkpoint: {e}")))?;
    let file = File {
        format: FORMAT.into(),
        version: VERSION,
        fingerprint: fingerprint.clone(),
        state: std::iter::once((S::METHOD.to_string(), value)).collect(),
    };
    let mut json = serde_json::to_string(&file)
        .map_err(|e| FitError::Checkpoint(format!("cannot encode the checkpoint: {e}")))?;
    json.push('\n');
    crate::atomic::write(&dir.join(FILE), json.as_bytes())
        .map_err(|e| FitError::Checkpoint(crate::error_chain(&e)))
}

/// Reads the checkpoint in `dir`, checks it against `expected` and that it holds a run of `S`'s
/// method.
pub(crate) fn load<S: OptimizerState>(dir: &Path, expected: &Fingerprint) -> Result<S, FitError> {
    let path = dir.join(FILE);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| FitError::Checkpoint(format!("cannot read {}: {e}", path.display())))?;
    let file: File = serde_json::from_str(&text).map_err(|e| {
        FitError::Checkpoint(format!("{} is not a checkpoint: {e}", path.display()))
    })?;
    if file.format != FORMAT || file.version != VERSION {
        return Err(FitError::Checkpoint(format!(
            "{} is format {:?} version {}, expected {FORMAT:?} version {VERSION}",
            path.display(),
            file.format,
            file.version
        )));
    }
    if file.fingerprint.data_hash != expected.data_hash {
        return Err(FitError::Checkpoint(format!(
            "{} was written for other data (data hash {}, this run's data hash {}): a different \
             data set, temperature map or train/test split",
            path.display(),
            file.fingerprint.data_hash,
            expected.data_hash
        )));
    }
    if let Some((key, was, now)) =
        first_difference("", &file.fingerprint.settings, &expected.settings)
    {
        return Err(FitError::Checkpoint(format!(
            "{} was written with other settings: `{key}` is {was} in the checkpoint, {now} in this run",
            path.display()
        )));
    }
    let Some((method, state)) = file.state.into_iter().next() else {
        return Err(FitError::Checkpoint(format!(
            "{} holds no optimizer state",
            path.display()
        )));
    };
    if method != S::METHOD {
        return Err(FitError::Checkpoint(format!(
            "{} holds {}, this run is {}",
            dir.display(),
            run_of(&method),
            S::NAME
        )));
    }
    serde_json::from_value(state)
        .map_err(|e| FitError::Checkpoint(format!("{} is not a checkpoint: {e}", path.display())))
}

/// The first key path where `a` and `b` differ, with both values.
fn first_difference(
    path: &str,
    a: &serde_json::Value,
    b: &serde_json::Value,
) -> Option<(String, String, String)> {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter().find_map(|k| {
                let sub = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                let null = Value::Null;
                first_difference(&sub, x.get(k).unwrap_or(&null), y.get(k).unwrap_or(&null))
            })
        }
        _ if a == b => None,
        _ => Some((path.to_string(), a.to_string(), b.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, serde::Deserialize)]
    struct Toy {
        generation: usize,
    }
    impl OptimizerState for Toy {
        const METHOD: &'static str = "Snes";
        const NAME: &'static str = "SNES";
    }

    #[derive(Debug, PartialEq, Serialize, serde::Deserialize)]
    struct OtherToy {
        epoch: usize,
    }
    impl OptimizerState for OtherToy {
        const METHOD: &'static str = "Adam";
        const NAME: &'static str = "Adam";
    }

    #[test]
    fn states_round_trip_in_the_format_of_the_method_enum() {
        let dir = tempfile::tempdir().unwrap();
        let fp = Fingerprint {
            data_hash: "00".into(),
            settings: serde_json::json!({"seed": 1}),
        };
        save(dir.path(), &fp, &Toy { generation: 17 }).unwrap();
        // the layout the files had when the state was an enum of the methods: {"Snes": {...}}
        let text = std::fs::read_to_string(dir.path().join(FILE)).unwrap();
        assert!(
            text.contains(r#""state":{"Snes":{"generation":17}}"#),
            "{text}"
        );
        assert_eq!(
            load::<Toy>(dir.path(), &fp).unwrap(),
            Toy { generation: 17 }
        );
        let e = load::<OtherToy>(dir.path(), &fp).unwrap_err().to_string();
        assert!(e.ends_with("holds a SNES run, this run is Adam"), "{e}");
    }

    #[test]
    fn differences_name_the_key() {
        let a = serde_json::json!({"method": {"Snes": {"population": 50}}, "seed": 1});
        let b = serde_json::json!({"method": {"Snes": {"population": 30}}, "seed": 1});
        let (k, was, now) = first_difference("", &a, &b).unwrap();
        assert_eq!(
            (k.as_str(), was.as_str(), now.as_str()),
            ("method.Snes.population", "50", "30")
        );
        assert!(first_difference("", &a, &a).is_none());
    }
}
