//! The one loop of the iterative methods (SNES's generations, Adam's epochs): resume, steps,
//! progress reports and checkpoints are written once, here, for every method.
//!
//! A method implements [`IterativeMethod`]: it owns its state type (everything that changes from
//! one step to the next; the checkpoint stores exactly that, [`super::checkpoint`]) and says how to
//! start one, how to take one step and where the run stands. [`drive`] does the rest:
//! 1. [`IterativeMethod::validate`] the settings, before anything is read or written;
//! 2. the state from the checkpoint to resume ([`Checkpointing::resume`]), or a fresh one from
//!    the start point;
//! 3. steps until [`IterativeMethod::done`] reaches [`IterativeMethod::total`] or a step says stop;
//!    after each finished step a progress report when [`IterativeMethod::reports_after`] says so,
//!    then [`Checkpointing::after`] (a checkpoint when due; [`FitError::Interrupted`] at
//!    `stop_after`);
//! 4. the final state, from which the method builds its outcome (SNES first polishes its best
//!    point with L-BFGS).
//!
//! Because a step reads nothing but the method's fixed settings and the state, and the state is
//! all a checkpoint stores, a resumed run is bit-identical to an uninterrupted one (the tests below
//! check it with a small random-search method; `tests/integration/methodology.rs` with SNES and Adam).
//!
//! ## Adding a third method
//! 1. A state type with everything that changes between steps (the point, moments, random
//!    generator state, counters, best point, loss log, and `elapsed`, the wall seconds spent
//!    before this process took over), deriving `Clone`, `Serialize` and `Deserialize`, and
//!    implementing [`OptimizerState`] with a new `METHOD` key (the checkpoint stores the state
//!    under it, so existing checkpoint files keep their format).
//! 2. A method type holding the settings and whatever is computed from them once (learning rates,
//!    bounds in scaled coordinates), implementing [`IterativeMethod`]; `step` is the body of one
//!    generation or epoch, reading the clock for the loss log's seconds.
//! 3. A `run` function that calls [`drive`] and turns the final state into an
//!    [`super::Outcome`], plus a [`super::Method`] variant and its arm in [`super::fit_split`].
//!
//! The tests of this module hold such a method (`RandomSearch`) in about 60 lines.

use super::checkpoint::{self, Checkpointing, Fingerprint, OptimizerState};
use super::objective::Point;
use super::{FitError, Progress};
use std::ops::ControlFlow;
use std::time::Instant;

/// The wall clock of a run: seconds since the fit started in this process plus the seconds spent
/// before it took over (from the checkpoint it resumed; 0 for a fresh run).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    started: Instant,
    before: f64,
}

impl Clock {
    /// Wall seconds of the whole run so far (what the loss log records).
    pub(crate) fn seconds(&self) -> f64 {
        self.before + self.started.elapsed().as_secs_f64()
    }
}

/// An iterative optimiser that [`drive`] can run, resume and checkpoint (module documentation).
pub(crate) trait IterativeMethod {
    /// Everything that changes from one step to the next: what a checkpoint stores.
    type State: OptimizerState + Clone;
    /// The stage of its progress reports (`"snes"`, `"adam"`).
    const STAGE: &'static str;

    /// Checks the settings.
    ///
    /// # Errors
    /// [`FitError::InvalidSetting`] naming the setting out of range.
    fn validate(&self) -> Result<(), FitError>;
    /// The state of a fresh run from `start` (model coordinates).
    fn fresh(&self, start: &Point) -> Self::State;
    /// One generation or epoch: advances `state` (and its step count, [`Self::done`]), or ends
    /// the run with [`ControlFlow::Break`] (early stop, step sizes below their floor, a point
    /// outside the model's domain). A step that breaks is not counted as done: no progress
    /// report or checkpoint follows it.
    fn step(&self, state: &mut Self::State, clock: &Clock) -> ControlFlow<()>;
    /// Steps done in `state`.
    fn done(&self, state: &Self::State) -> usize;
    /// Most steps of the run.
    fn total(&self) -> usize;
    /// Whether a progress report follows step `done` (1-based).
    fn reports_after(&self, done: usize) -> bool;
    /// The best point seen and its log-likelihood (minus the L2 penalty).
    fn best<'s>(&self, state: &'s Self::State) -> (&'s Point, f64);
    /// The wall seconds spent before this process took over, in `state` (written into each
    /// checkpoint as the seconds of the whole run so far).
    fn elapsed<'s>(&self, state: &'s mut Self::State) -> &'s mut f64;
}

/// Runs `method` from `start`, or from the checkpoint of `checkpointing` to resume, until it is
/// done or stops, reporting progress and writing checkpoints (module documentation). `started` is
/// when the fit started in this process. Returns the final state; its
/// [`elapsed`](IterativeMethod::elapsed) is still the seconds spent before this process took over.
///
/// # Errors
/// Invalid settings, a checkpoint that cannot be read or written or does not match
/// `fingerprint`, or [`FitError::Interrupted`] at [`Checkpointing::stop_after`].
pub(crate) fn drive<M: IterativeMethod>(
    method: &M,
    start: &Point,
    started: Instant,
    checkpointing: Option<&Checkpointing>,
    fingerprint: &Fingerprint,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<M::State, FitError> {
    method.validate()?;
    let mut state = match checkpointing.and_then(|c| c.resume.as_ref()) {
        Some(dir) => checkpoint::load::<M::State>(dir, fingerprint)?,
        None => method.fresh(start),
    };
    let clock = Clock {
        started,
        before: *method.elapsed(&mut state),
    };
    while method.done(&state) < method.total() {
        if method.step(&mut state, &clock).is_break() {
            break;
        }
        let done = method.done(&state);
        if method.reports_after(done) {
            progress(Progress {
                done,
                total: method.total(),
                best_log_likelihood: method.best(&state).1,
                stage: M::STAGE,
            });
        }
        if let Some(c) = checkpointing {
            c.after(done, fingerprint, || {
                let mut snapshot = state.clone();
                *method.elapsed(&mut snapshot) = clock.seconds();
                snapshot
            })?;
        }
    }
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit::objective::N_PARAMS;
    use crate::fit::rng::SplitMix64;
    use serde::{Deserialize, Serialize};
    use std::path::Path;
    use std::sync::Mutex;

    /// A small method for the driver's tests: random search on `-|x|^2` in two coordinates,
    /// stopping once the best point is within `tolerance` of the optimum.
    struct RandomSearch {
        steps: usize,
        width: f64,
        seed: u64,
        tolerance: f64,
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct SearchState {
        step: usize,
        rng: u64,
        best: Point,
        best_ll: f64,
        tried: Vec<f64>,
        elapsed: f64,
    }

    impl OptimizerState for SearchState {
        const METHOD: &'static str = "RandomSearch";
        const NAME: &'static str = "random search";
    }

    impl IterativeMethod for RandomSearch {
        type State = SearchState;
        const STAGE: &'static str = "search";

        fn validate(&self) -> Result<(), FitError> {
            if self.width.is_finite() && self.width > 0.0 {
                Ok(())
            } else {
                Err(FitError::InvalidSetting(
                    "the search width must be positive",
                ))
            }
        }

        fn fresh(&self, start: &Point) -> SearchState {
            SearchState {
                step: 0,
                rng: SplitMix64::for_start(self.seed, 0).state(),
                best: *start,
                best_ll: -(start[0] * start[0] + start[1] * start[1]),
                tried: Vec::new(),
                elapsed: 0.0,
            }
        }

        fn step(&self, state: &mut SearchState, _clock: &Clock) -> ControlFlow<()> {
            if -state.best_ll < self.tolerance {
                return ControlFlow::Break(());
            }
            let mut rng = SplitMix64::from_state(state.rng);
            let mut x = state.best;
            x[0] += rng.uniform(-self.width, self.width);
            x[1] += rng.uniform(-self.width, self.width);
            let ll = -(x[0] * x[0] + x[1] * x[1]);
            state.tried.push(ll);
            if ll > state.best_ll {
                (state.best, state.best_ll) = (x, ll);
            }
            state.rng = rng.state();
            state.step += 1;
            ControlFlow::Continue(())
        }

        fn done(&self, state: &SearchState) -> usize {
            state.step
        }

        fn total(&self) -> usize {
            self.steps
        }

        fn reports_after(&self, done: usize) -> bool {
            done.is_multiple_of(4)
        }

        fn best<'s>(&self, state: &'s SearchState) -> (&'s Point, f64) {
            (&state.best, state.best_ll)
        }

        fn elapsed<'s>(&self, state: &'s mut SearchState) -> &'s mut f64 {
            &mut state.elapsed
        }
    }

    fn search(steps: usize) -> RandomSearch {
        RandomSearch {
            steps,
            width: 0.5,
            seed: 9,
            tolerance: 0.0,
        }
    }

    fn start() -> Point {
        let mut x = [0.0; N_PARAMS];
        (x[0], x[1]) = (3.0, -2.0);
        x
    }

    fn fingerprint() -> Fingerprint {
        Fingerprint {
            data_hash: "00".into(),
            settings: serde_json::json!({"width": 0.5}),
        }
    }

    /// A progress report: steps done, total, bits of the best log-likelihood.
    type Report = (usize, usize, u64);

    /// Drives `method` with `checkpointing`, returning the outcome and the progress reports.
    fn run(
        method: &RandomSearch,
        checkpointing: Option<&Checkpointing>,
    ) -> (Result<SearchState, FitError>, Vec<Report>) {
        let reports = Mutex::new(Vec::new());
        let record = |p: Progress| {
            assert_eq!(p.stage, "search");
            let mut r = reports.lock().unwrap();
            r.push((p.done, p.total, p.best_log_likelihood.to_bits()));
        };
        let state = drive(
            method,
            &start(),
            Instant::now(),
            checkpointing,
            &fingerprint(),
            &record,
        );
        (state, reports.into_inner().unwrap())
    }

    fn at(dir: &Path) -> Checkpointing {
        Checkpointing {
            dir: dir.to_path_buf(),
            ..Checkpointing::default()
        }
    }

    #[test]
    fn interrupted_after_k_steps_and_resumed_equals_uninterrupted() {
        let dir = tempfile::tempdir().unwrap();
        let method = search(30);
        let (whole, whole_reports) = run(&method, None);
        let mut whole = whole.unwrap();
        assert_eq!((whole.step, whole.tried.len()), (30, 30));
        assert_eq!(whole_reports.len(), 7); // after steps 4, 8, .., 28
        let stopped = Checkpointing {
            stop_after: Some(13),
            ..at(dir.path())
        };
        let (interrupted, first_reports) = run(&method, Some(&stopped));
        assert_eq!(
            interrupted.unwrap_err(),
            FitError::Interrupted { generation: 13 }
        );
        let resume = Checkpointing {
            resume: Some(dir.path().to_path_buf()),
            ..at(dir.path())
        };
        let (resumed, second_reports) = run(&method, Some(&resume));
        let mut resumed = resumed.unwrap();
        // The seconds before this process took over: 0 for the whole run, the interrupted
        // run's for the resumed one.
        assert_eq!(whole.elapsed, 0.0);
        assert!(resumed.elapsed >= 0.0);
        (whole.elapsed, resumed.elapsed) = (0.0, 0.0);
        assert_eq!(whole, resumed);
        assert_eq!([first_reports, second_reports].concat(), whole_reports);
    }

    #[test]
    fn checkpoints_are_written_when_due_and_hold_the_state_after_that_step() {
        let dir = tempfile::tempdir().unwrap();
        let every = Checkpointing {
            every: 5,
            ..at(dir.path())
        };
        let method = search(12);
        let state = run(&method, Some(&every)).0.unwrap();
        // The final state keeps the seconds before this process took over (0: a fresh run), as
        // SNES's polish adds them to its own seconds.
        assert_eq!(state.elapsed, 0.0);
        // the last one due was after step 10
        let saved: SearchState = checkpoint::load(dir.path(), &fingerprint()).unwrap();
        assert_eq!(saved.step, 10);
        assert_eq!(saved.tried, state.tried[..10]);
        assert!(saved.elapsed >= 0.0);
    }

    #[test]
    fn a_step_that_stops_ends_the_run_without_a_report_or_checkpoint() {
        let dir = tempfile::tempdir().unwrap();
        let method = RandomSearch {
            tolerance: 1.0,
            ..search(50)
        };
        let every = Checkpointing {
            every: 1,
            ..at(dir.path())
        };
        let (state, reports) = run(&method, Some(&every));
        let state = state.unwrap();
        assert!(state.step > 0 && state.step < 50, "{}", state.step);
        assert!(-state.best_ll < 1.0);
        assert_eq!(reports.last().map(|r| r.0), Some(state.step / 4 * 4));
        let saved: SearchState = checkpoint::load(dir.path(), &fingerprint()).unwrap();
        assert_eq!(saved.step, state.step);
        // Resumed from the last checkpoint, the run stops at once.
        let resume = Checkpointing {
            resume: Some(dir.path().to_path_buf()),
            ..at(dir.path())
        };
        let (again, reports) = run(&method, Some(&resume));
        assert_eq!(again.unwrap().tried, state.tried);
        assert!(reports.is_empty());
    }

    #[test]
    fn settings_are_checked_before_a_checkpoint_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let method = RandomSearch {
            width: 0.0,
            ..search(5)
        };
        let resume = Checkpointing {
            resume: Some(dir.path().join("missing")),
            ..at(dir.path())
        };
        let (state, reports) = run(&method, Some(&resume));
        assert_eq!(
            state.unwrap_err(),
            FitError::InvalidSetting("the search width must be positive")
        );
        assert!(reports.is_empty());
        assert!(!dir.path().join(checkpoint::FILE).exists());
    }
}
