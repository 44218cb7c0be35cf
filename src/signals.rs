//! The monitor's three signals, each with one meaning and one operator action (EEMUA 191 / ISA-18.2:
//! an alarm calls for an action, status is kept apart from alarms, no alarm stands for a shift):
//!
//! | signal | kind | meaning | action |
//! |---|---|---|---|
//! | **hot die** | status (advisory) | the temperature alone implies a galling hazard above the target | plan: cool the die to the advised temperature |
//! | **onset warning** | alarm | this stroke's risk is materially above what the temperature implies: the COF is leaving the clean well | act now: slow down, lubricate, cool |
//! | **galling detected** | alarm | the stroke is galled: its COF is above the galling threshold | stop the press; *recovered* once the COF has fallen back |
//!
//! This module holds the two alarm state machines ([`SignalState`]) and their settings
//! ([`SignalSettings`]); the hot-die status is a pure function of the temperature
//! ([`crate::risk::RiskTable::hazard`]) and needs no state. Configuration is kept apart from state,
//! so that a replay can feed any sequence of inputs through exactly the rules the firmware runs.
//!
//! # Rules
//! - **Onset warning.** The stroke's *excess* is the log-odds of its risk minus the log-odds of the
//!   hot-die hazard at its temperature (probabilities clamped to `[1e-4, 1 - 1e-4]`): 0 means "as the
//!   temperature implies", 2 means odds `e^2 = 7.4` times higher. Raised when at least `k` of the last
//!   `n` strokes had an excess at or above `onset_raise`; cleared once `onset_clear_strokes`
//!   consecutive strokes had an excess below `onset_clear` (hysteresis and an off-delay, so a
//!   hovering COF does not chatter). While galling is detected the warning is cleared and not
//!   raised: the consequence it warned of has happened and the higher-priority alarm stands
//!   (alarm suppression by design).
//! - **Galling detected.** Raised on the stroke whose COF is above the galling threshold (no delay: the
//!   measurement itself is the evidence); recovered once `recover_strokes` consecutive strokes had a
//!   COF below `recover_cof`.
//!
//! ```
//! use galling::signals::{SignalSettings, SignalState, Event};
//! let settings = SignalSettings::default();            // raise at excess 2.0, clear below 1.0 ...
//! let mut state = SignalState::new();
//! let s = state.update(&settings, 0.5, 0.2, 0.5);       // excess, COF, threshold
//! assert!(!s.onset_warning.active && !s.galling.active);
//! let s = state.update(&settings, 2.5, 0.4, 0.5);
//! assert_eq!(s.onset_warning.event, Event::Raised);
//! let s = state.update(&settings, 9.0, 0.8, 0.5);
//! assert_eq!(s.galling.event, Event::Raised);             // galled: stop the press
//! assert_eq!(s.onset_warning.event, Event::Cleared);      // superseded by the galling alarm
//! # Ok::<(), galling::signals::SettingsError>(())
//! ```

use core::fmt;

/// Why signal settings were refused; each variant names the setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum SettingsError {
    /// `hot_die_target` is not a probability strictly between 0 and 1.
    HotDieTarget,
    /// `onset_raise` / `onset_clear` are not finite with `onset_clear <= onset_raise`.
    OnsetLevels,
    /// The confirmation is not `1 <= onset_confirm <= onset_window <= 32`.
    OnsetConfirmation,
    /// `onset_clear_strokes` or `recover_strokes` is 0.
    OffDelay,
    /// `recover_cof` is not a finite COF in `(0, threshold]`.
    RecoverCof,
    /// The accepted COF bounds are not finite with `low < high`.
    CofBounds,
    /// The accepted temperature bounds are not finite with `low < high`.
    TemperatureBounds,
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::HotDieTarget => "hot_die_target: must be a probability strictly between 0 and 1",
            Self::OnsetLevels => {
                "onset_raise / onset_clear: must be finite with onset_clear <= onset_raise"
            }
            Self::OnsetConfirmation => {
                "onset_confirm / onset_window: need 1 <= k <= n <= 32 strokes (k of the last n)"
            }
            Self::OffDelay => "onset_clear_strokes and recover_strokes: must be at least 1",
            Self::RecoverCof => {
                "recover_cof: must be a finite COF above 0 and at most the galling threshold"
            }
            Self::CofBounds => "accepted COF bounds: need finite low < high",
            Self::TemperatureBounds => "accepted temperature bounds: need finite low < high",
        })
    }
}

impl core::error::Error for SettingsError {}

/// The monitor's settings besides the model and its risk table (which carries the galling threshold,
/// clean limit, horizon and trained temperature range). The trainer calibrates `onset_raise` on the
/// training strokes and writes all of it into the blob.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SignalSettings {
    /// Hot-die status when the hazard at the die temperature exceeds this probability; also the
    /// target of the temperature advice.
    pub hot_die_target: f32,
    /// Excess (log-odds) at or above which a stroke counts towards the onset warning.
    pub onset_raise: f32,
    /// Excess below which a stroke counts towards clearing the onset warning.
    pub onset_clear: f32,
    /// `k`: strokes at or above `onset_raise` among the last `n` that raise the warning.
    pub onset_confirm: u8,
    /// `n`: the confirmation window, strokes.
    pub onset_window: u8,
    /// Consecutive strokes below `onset_clear` that clear the warning.
    pub onset_clear_strokes: u8,
    /// COF below which a galled stroke counts towards recovery.
    pub recover_cof: f32,
    /// Consecutive strokes below `recover_cof` that end the galling alarm.
    pub recover_strokes: u8,
    /// Lowest accepted COF (inclusive).
    pub cof_low: f32,
    /// Highest accepted COF (inclusive).
    pub cof_high: f32,
    /// Lowest accepted die temperature, degC (inclusive).
    pub temperature_low: f32,
    /// Highest accepted die temperature, degC (inclusive).
    pub temperature_high: f32,
}

impl Default for SignalSettings {
    /// Hot die above a 0.2 hazard; onset warning raised at excess 2.0 on 1 of 1 strokes, cleared after
    /// 3 strokes below 1.0; galling recovered after 2 strokes below COF 0.45; COF accepted in `[0, 2]`
    /// (the averager's clamp), temperature in `[-40, 400]` degC.
    fn default() -> Self {
        Self {
            hot_die_target: 0.2,
            onset_raise: 2.0,
            onset_clear: 1.0,
            onset_confirm: 1,
            onset_window: 1,
            onset_clear_strokes: 3,
            recover_cof: 0.45,
            recover_strokes: 2,
            cof_low: 0.0,
            cof_high: 2.0,
            temperature_low: -40.0,
            temperature_high: 400.0,
        }
    }
}

impl SignalSettings {
    /// Checks every setting against the galling `threshold`.
    ///
    /// # Errors
    /// The first [`SettingsError`] found.
    pub fn validate(&self, threshold: f32) -> Result<(), SettingsError> {
        if !(self.hot_die_target > 0.0 && self.hot_die_target < 1.0) {
            return Err(SettingsError::HotDieTarget);
        }
        if !(self.onset_raise.is_finite()
            && self.onset_clear.is_finite()
            && self.onset_clear <= self.onset_raise)
        {
            return Err(SettingsError::OnsetLevels);
        }
        if !(1 <= self.onset_confirm
            && self.onset_confirm <= self.onset_window
            && self.onset_window <= 32)
        {
            return Err(SettingsError::OnsetConfirmation);
        }
        if self.onset_clear_strokes == 0 || self.recover_strokes == 0 {
            return Err(SettingsError::OffDelay);
        }
        if !(self.recover_cof > 0.0 && self.recover_cof <= threshold) {
            return Err(SettingsError::RecoverCof);
        }
        let ordered = |lo: f32, hi: f32| lo.is_finite() && hi.is_finite() && lo < hi;
        if !ordered(self.cof_low, self.cof_high) {
            return Err(SettingsError::CofBounds);
        }
        if !ordered(self.temperature_low, self.temperature_high) {
            return Err(SettingsError::TemperatureBounds);
        }
        Ok(())
    }
}

/// What changed on this stroke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Event {
    /// Nothing changed.
    None,
    /// The alarm was raised on this stroke.
    Raised,
    /// The alarm was cleared on this stroke (for galling: recovered).
    Cleared,
}

/// One alarm after a stroke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct AlarmSignal {
    /// The alarm stands after this stroke.
    pub active: bool,
    /// What changed on this stroke.
    pub event: Event,
}

/// Both alarms after a stroke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Alarms {
    /// The onset warning.
    pub onset_warning: AlarmSignal,
    /// Galling detected.
    pub galling: AlarmSignal,
}

/// The state of the two alarms: 8 bytes, `const` constructible (a monitor can live in a `static`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SignalState {
    /// Bit `i` set: the stroke `i` strokes ago had an excess at or above `onset_raise`.
    onset_history: u32,
    onset_active: bool,
    /// Consecutive strokes below `onset_clear` while the warning stands.
    onset_quiet: u8,
    galling_active: bool,
    /// Consecutive strokes below `recover_cof` while galling stands.
    galling_quiet: u8,
}

fn event(before: bool, after: bool) -> Event {
    match (before, after) {
        (false, true) => Event::Raised,
        (true, false) => Event::Cleared,
        _ => Event::None,
    }
}

impl SignalState {
    /// No alarm, empty history.
    pub const fn new() -> Self {
        Self {
            onset_history: 0,
            onset_active: false,
            onset_quiet: 0,
            galling_active: false,
            galling_quiet: 0,
        }
    }

    /// The alarms as they stand (no event).
    pub fn alarms(&self) -> Alarms {
        Alarms {
            onset_warning: AlarmSignal {
                active: self.onset_active,
                event: Event::None,
            },
            galling: AlarmSignal {
                active: self.galling_active,
                event: Event::None,
            },
        }
    }

    /// Applies one stroke: its `excess` (log-odds over the hot-die hazard), its `cof` and the galling
    /// `threshold`. Total: a NaN excess counts as below every level (the monitor reports it as a fault
    /// before it gets here).
    pub fn update(
        &mut self,
        settings: &SignalSettings,
        excess: f32,
        cof: f32,
        threshold: f32,
    ) -> Alarms {
        let (onset_before, galling_before) = (self.onset_active, self.galling_active);

        // Galling detected: raised on the stroke, recovered after an off-delay below recover_cof.
        if cof > threshold {
            self.galling_active = true;
            self.galling_quiet = 0;
        } else if self.galling_active {
            if cof < settings.recover_cof {
                self.galling_quiet = self.galling_quiet.saturating_add(1);
            } else {
                self.galling_quiet = 0;
            }
            if self.galling_quiet >= settings.recover_strokes {
                self.galling_active = false;
                self.galling_quiet = 0;
            }
        }

        // Onset warning: k of the last n strokes at or above onset_raise.
        let window = u32::from(settings.onset_window.clamp(1, 32));
        let mask = u32::MAX.checked_shr(32 - window).unwrap_or(u32::MAX);
        self.onset_history =
            ((self.onset_history << 1) | u32::from(excess >= settings.onset_raise)) & mask;
        if self.galling_active {
            // Superseded by the galling alarm; start afresh after recovery.
            self.onset_active = false;
            self.onset_quiet = 0;
            self.onset_history = 0;
        } else if self.onset_history.count_ones() >= u32::from(settings.onset_confirm) {
            self.onset_active = true;
            self.onset_quiet = 0;
        } else if self.onset_active {
            if excess < settings.onset_clear {
                self.onset_quiet = self.onset_quiet.saturating_add(1);
            } else {
                self.onset_quiet = 0;
            }
            if self.onset_quiet >= settings.onset_clear_strokes {
                self.onset_active = false;
                self.onset_quiet = 0;
            }
        }

        Alarms {
            onset_warning: AlarmSignal {
                active: self.onset_active,
                event: event(onset_before, self.onset_active),
            },
            galling: AlarmSignal {
                active: self.galling_active,
                event: event(galling_before, self.galling_active),
            },
        }
    }
}

/// Log-odds excess of `risk` over `hazard`: `logit(risk) - logit(hazard)`, both clamped to
/// `[1e-4, 1 - 1e-4]`. NaN in gives NaN out.
///
/// ```
/// use galling::signals::excess;
/// assert_eq!(excess(0.3, 0.3), 0.0);
/// assert!((excess(0.5, 0.1) - 9.0_f32.ln()).abs() < 1e-5);
/// assert!(excess(1.0, 0.0) < 19.0);                     // bounded
/// ```
pub fn excess(risk: f32, hazard: f32) -> f32 {
    fn logit(p: f32) -> f32 {
        let p = p.clamp(1e-4, 1.0 - 1e-4);
        libm::logf(p / (1.0 - p))
    }
    if risk.is_nan() || hazard.is_nan() {
        return f32::NAN;
    }
    logit(risk) - logit(hazard)
}

#[cfg(test)]
mod tests {
    use super::*;

    const THR: f32 = 0.5;

    fn run(settings: &SignalSettings, strokes: &[(f32, f32)]) -> ([bool; 16], [bool; 16]) {
        let mut state = SignalState::new();
        let mut onset = [false; 16];
        let mut galling = [false; 16];
        for (i, &(x, cof)) in strokes.iter().enumerate() {
            let a = state.update(settings, x, cof, THR);
            onset[i] = a.onset_warning.active;
            galling[i] = a.galling.active;
        }
        (onset, galling)
    }

    #[test]
    fn onset_warning_is_raised_held_and_cleared_after_the_off_delay() {
        let s = SignalSettings::default(); // raise 2.0, clear 1.0 after 3 strokes
        let strokes = [
            (0.0, 0.2),
            (2.5, 0.4), // raised
            (1.5, 0.3), // held: above clear
            (0.5, 0.2), // 1 quiet
            (0.5, 0.2), // 2 quiet
            (1.2, 0.2), // above clear: quiet count restarts
            (0.5, 0.2),
            (0.5, 0.2),
            (0.5, 0.2), // 3 quiet: cleared
        ];
        let (onset, galling) = run(&s, &strokes);
        assert_eq!(
            onset[..9],
            [false, true, true, true, true, true, true, true, false]
        );
        assert!(galling.iter().all(|g| !g));
    }

    #[test]
    fn k_of_n_confirmation_needs_k_strokes() {
        let s = SignalSettings {
            onset_confirm: 2,
            onset_window: 3,
            ..SignalSettings::default()
        };
        let (onset, _) = run(
            &s,
            &[(3.0, 0.3), (0.0, 0.2), (0.0, 0.2), (3.0, 0.3), (3.0, 0.3)],
        );
        assert_eq!(onset[..5], [false, false, false, false, true]);
        let (onset, _) = run(&s, &[(3.0, 0.3), (0.0, 0.2), (3.0, 0.3)]);
        assert_eq!(onset[..3], [false, false, true]);
    }

    #[test]
    fn galling_is_detected_on_the_stroke_and_recovers_after_the_off_delay() {
        let s = SignalSettings::default(); // recover below 0.45 for 2 strokes
        let strokes = [
            (0.0, 0.2),
            (5.0, 0.9),  // detected on the stroke
            (5.0, 0.47), // below threshold, above recover_cof: still galled
            (5.0, 0.40), // 1
            (5.0, 0.6),  // galled again
            (5.0, 0.3),  // 1
            (0.0, 0.2),  // 2: recovered
        ];
        let (onset, galling) = run(&s, &strokes);
        assert_eq!(galling[..7], [false, true, true, true, true, true, false]);
        // The onset warning is suppressed while galling stands, and starts afresh after.
        assert_eq!(onset[..7], [false; 7]);
    }

    #[test]
    fn nan_excess_never_raises() {
        let s = SignalSettings::default();
        let (onset, _) = run(&s, &[(f32::NAN, 0.2), (f32::NAN, 0.2)]);
        assert!(onset.iter().all(|o| !o));
    }

    #[test]
    fn settings_are_validated_by_name() {
        let ok = SignalSettings::default();
        assert_eq!(ok.validate(THR), Ok(()));
        let cases = [
            (
                SignalSettings {
                    hot_die_target: 1.0,
                    ..ok
                },
                SettingsError::HotDieTarget,
            ),
            (
                SignalSettings {
                    onset_clear: 3.0,
                    ..ok
                },
                SettingsError::OnsetLevels,
            ),
            (
                SignalSettings {
                    onset_window: 33,
                    onset_confirm: 1,
                    ..ok
                },
                SettingsError::OnsetConfirmation,
            ),
            (
                SignalSettings {
                    recover_strokes: 0,
                    ..ok
                },
                SettingsError::OffDelay,
            ),
            (
                SignalSettings {
                    recover_cof: 0.6,
                    ..ok
                },
                SettingsError::RecoverCof,
            ),
            (
                SignalSettings {
                    cof_high: f32::NAN,
                    ..ok
                },
                SettingsError::CofBounds,
            ),
        ];
        for (settings, want) in cases {
            assert_eq!(settings.validate(THR), Err(want));
        }
    }

    #[test]
    fn a_32_stroke_window_works() {
        let s = SignalSettings {
            onset_confirm: 32,
            onset_window: 32,
            ..SignalSettings::default()
        };
        let mut state = SignalState::new();
        for i in 0..32 {
            let a = state.update(&s, 3.0, 0.3, THR);
            assert_eq!(a.onset_warning.active, i == 31, "stroke {i}");
        }
    }
}
