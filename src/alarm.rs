//! Galling alarms on the per-stroke risk: warn and stop levels confirmed over `k` of the last `n`
//! strokes, with hysteresis, so that one noisy stroke neither stops the press nor clears an alarm.
//!
//! Rules, applied once per stroke with the stroke's risk `r`:
//! 1. The stroke is counted as *above warn* if `r >= warn` and *above stop* if `r >= stop`; the last
//!    `n` strokes are kept as two bit windows.
//! 2. The *confirmed* level is [`AlarmLevel::Stop`] if at least `k` of the last `n` strokes were above
//!    stop, else [`AlarmLevel::Warn`] if at least `k` were above warn, else [`AlarmLevel::Normal`].
//! 3. Hysteresis: while `r >= clear` the active level does not drop below the previous stroke's
//!    level; once `r < clear` the active level is the confirmed one.
//!
//! ```
//! use galling::alarm::{Alarm, AlarmConfig, AlarmLevel, AlarmReason};
//! let config = AlarmConfig::new(0.5_f32, 0.9, 0.2, 3, 5)?;   // warn, stop, clear, 3 of 5
//! let mut alarm = Alarm::new(config);
//! assert_eq!(alarm.update(0.7).level, AlarmLevel::Normal);    // one stroke is not enough
//! alarm.update(0.7);
//! let s = alarm.update(0.7);
//! assert_eq!((s.level, s.reason), (AlarmLevel::Warn, AlarmReason::Confirmed { above: 3, window: 3 }));
//! # Ok::<(), galling::forecast::ConfigError>(())
//! ```

use crate::forecast::ConfigError;
use crate::scalar::Scalar;

/// The alarm level a stroke leaves the press in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum AlarmLevel {
    /// No alarm.
    Normal,
    /// Galling risk is high: act (e.g. cool the die, lubricate).
    Warn,
    /// Galling is imminent: stop the press.
    Stop,
}

/// Why the alarm is at its level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub enum AlarmReason {
    /// No alarm, and there was none on the previous stroke.
    Quiet,
    /// The level is confirmed: `above` of the last `window` strokes were at or above its risk level.
    Confirmed {
        /// Strokes at or above the level's risk in the window.
        above: u8,
        /// Strokes in the window (`n`, or fewer right after a reset).
        window: u8,
    },
    /// The level is no longer confirmed but is held because the risk has not fallen below the clear
    /// level (hysteresis).
    HeldByHysteresis,
    /// An alarm was active on the previous stroke and this stroke cleared it.
    Cleared,
}

/// Alarm levels and confirmation, validated by [`AlarmConfig::new`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct AlarmConfig<S = f32> {
    warn: S,
    stop: S,
    clear: S,
    confirm: u8,
    window: u8,
}

impl<S: Scalar> AlarmConfig<S> {
    /// Warn and stop at risk levels `warn <= stop`, confirmed on `confirm` (`k`) of the last `window`
    /// (`n`) strokes; an active alarm is held until the risk falls below `clear < warn`.
    ///
    /// # Errors
    /// [`ConfigError::AlarmLevelsNotOrdered`] unless `0 <= clear < warn <= stop <= 1` (all finite);
    /// [`ConfigError::ConfirmationOutOfRange`] unless `1 <= confirm <= window <= 32`.
    pub fn new(warn: S, stop: S, clear: S, confirm: u8, window: u8) -> Result<Self, ConfigError> {
        let zero = S::from_f64(0.0);
        let one = S::from_f64(1.0);
        if !(zero <= clear && clear < warn && warn <= stop && stop <= one) {
            return Err(ConfigError::AlarmLevelsNotOrdered);
        }
        if !(1 <= confirm && confirm <= window && window <= 32) {
            return Err(ConfigError::ConfirmationOutOfRange);
        }
        Ok(Self {
            warn,
            stop,
            clear,
            confirm,
            window,
        })
    }

    /// Risk level of the warning.
    pub fn warn(&self) -> S {
        self.warn
    }
    /// Risk level of the stop.
    pub fn stop(&self) -> S {
        self.stop
    }
    /// Risk below which an active alarm may clear.
    pub fn clear(&self) -> S {
        self.clear
    }
    /// `(k, n)`: confirmation needs `k` of the last `n` strokes.
    pub fn confirmation(&self) -> (u8, u8) {
        (self.confirm, self.window)
    }
}

impl<S: Scalar> Default for AlarmConfig<S> {
    /// Warn at risk 0.5, stop at 0.9, clear below 0.2, each confirmed on 3 of the last 5 strokes.
    fn default() -> Self {
        Self {
            warn: S::from_f64(0.5),
            stop: S::from_f64(0.9),
            clear: S::from_f64(0.2),
            confirm: 3,
            window: 5,
        }
    }
}

/// The alarm after one stroke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct AlarmStatus {
    /// The active level.
    pub level: AlarmLevel,
    /// Why it is active (or why not).
    pub reason: AlarmReason,
}

/// The alarm state machine: two 32-bit windows and the active level (12 bytes plus the config).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Alarm<S = f32> {
    config: AlarmConfig<S>,
    above_warn: u32,
    above_stop: u32,
    /// Strokes seen since the reset, saturating at the window length.
    seen: u8,
    level: AlarmLevel,
}

impl<S: Scalar> Alarm<S> {
    /// A quiet alarm with an empty history.
    pub fn new(config: AlarmConfig<S>) -> Self {
        Self {
            config,
            above_warn: 0,
            above_stop: 0,
            seen: 0,
            level: AlarmLevel::Normal,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &AlarmConfig<S> {
        &self.config
    }

    /// The level after the last stroke.
    pub fn level(&self) -> AlarmLevel {
        self.level
    }

    /// Forgets the history and returns to [`AlarmLevel::Normal`] (e.g. after the operator acknowledged
    /// a stop and the die was serviced).
    pub fn reset(&mut self) {
        *self = Self::new(self.config);
    }

    /// Feeds the risk of one stroke (a probability; NaN counts as below every level).
    pub fn update(&mut self, risk: S) -> AlarmStatus {
        let cfg = &self.config;
        // window is validated to 1..=32, so the shift is in 0..=31.
        let mask = u32::MAX >> (32 - u32::from(cfg.window));
        self.above_warn = ((self.above_warn << 1) | u32::from(risk >= cfg.warn)) & mask;
        self.above_stop = ((self.above_stop << 1) | u32::from(risk >= cfg.stop)) & mask;
        self.seen = self.seen.saturating_add(1).min(cfg.window);
        let warn_count = self.above_warn.count_ones() as u8;
        let stop_count = self.above_stop.count_ones() as u8;
        let (confirmed, count) = if stop_count >= cfg.confirm {
            (AlarmLevel::Stop, stop_count)
        } else if warn_count >= cfg.confirm {
            (AlarmLevel::Warn, warn_count)
        } else {
            (AlarmLevel::Normal, 0)
        };
        let previous = self.level;
        let held = risk >= cfg.clear && previous > confirmed;
        let level = if held { previous } else { confirmed };
        let reason = if held {
            AlarmReason::HeldByHysteresis
        } else if level != AlarmLevel::Normal {
            AlarmReason::Confirmed {
                above: count,
                window: self.seen,
            }
        } else if previous != AlarmLevel::Normal {
            AlarmReason::Cleared
        } else {
            AlarmReason::Quiet
        };
        self.level = level;
        AlarmStatus { level, reason }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alarm() -> Alarm<f32> {
        Alarm::new(AlarmConfig::new(0.5, 0.9, 0.2, 3, 5).unwrap())
    }

    #[test]
    fn config_is_validated() {
        assert!(AlarmConfig::new(0.5_f32, 0.5, 0.0, 1, 1).is_ok());
        assert!(AlarmConfig::new(0.5_f32, 0.9, 0.2, 32, 32).is_ok());
        for (w, s, c) in [
            (0.5, 0.4, 0.2),
            (0.5, 0.9, 0.5),
            (0.5, 1.1, 0.2),
            (0.5, 0.9, -0.1),
        ] {
            assert_eq!(
                AlarmConfig::new(w, s, c, 3, 5),
                Err(ConfigError::AlarmLevelsNotOrdered)
            );
        }
        assert_eq!(
            AlarmConfig::new(f32::NAN, 0.9, 0.2, 3, 5),
            Err(ConfigError::AlarmLevelsNotOrdered)
        );
        for (k, n) in [(0, 5), (6, 5), (3, 33)] {
            assert_eq!(
                AlarmConfig::new(0.5_f32, 0.9, 0.2, k, n),
                Err(ConfigError::ConfirmationOutOfRange)
            );
        }
    }

    #[test]
    fn warn_needs_k_of_n() {
        let mut a = alarm();
        // above, below, above, below: 2 of 5, no alarm; a third above within the window confirms.
        for r in [0.6, 0.1, 0.6, 0.1] {
            assert_eq!(a.update(r).level, AlarmLevel::Normal);
        }
        let s = a.update(0.6);
        assert_eq!(s.level, AlarmLevel::Warn);
        assert_eq!(
            s.reason,
            AlarmReason::Confirmed {
                above: 3,
                window: 5
            }
        );
    }

    #[test]
    fn strokes_older_than_the_window_do_not_count() {
        let mut a = alarm();
        for r in [0.6, 0.6, 0.1, 0.1, 0.1, 0.1] {
            a.update(r);
        }
        // The two early strokes have left the 5-stroke window: one more is 1 of 5.
        assert_eq!(a.update(0.6).level, AlarmLevel::Normal);
    }

    #[test]
    fn stop_is_confirmed_separately_and_held_until_clear() {
        let mut a = alarm();
        a.update(0.95);
        a.update(0.95);
        assert_eq!(a.update(0.95).level, AlarmLevel::Stop);
        // Risk drops to 0.3: stop no longer confirmed after the window moves, but 0.3 >= clear holds it.
        for _ in 0..6 {
            let s = a.update(0.3);
            assert_eq!(s.level, AlarmLevel::Stop);
        }
        assert_eq!(a.update(0.3).reason, AlarmReason::HeldByHysteresis);
        let s = a.update(0.1);
        assert_eq!(
            (s.level, s.reason),
            (AlarmLevel::Normal, AlarmReason::Cleared)
        );
        assert_eq!(a.update(0.1).reason, AlarmReason::Quiet);
    }

    #[test]
    fn one_low_stroke_does_not_clear_while_still_confirmed() {
        let mut a = alarm();
        for _ in 0..5 {
            a.update(0.6);
        }
        // Below clear, but 4 of the last 5 are still above warn: still confirmed.
        let s = a.update(0.05);
        assert_eq!(s.level, AlarmLevel::Warn);
        assert_eq!(
            s.reason,
            AlarmReason::Confirmed {
                above: 4,
                window: 5
            }
        );
    }

    #[test]
    fn full_32_stroke_window_works() {
        let mut a = Alarm::new(AlarmConfig::new(0.5_f32, 0.9, 0.2, 32, 32).unwrap());
        for _ in 0..31 {
            assert_eq!(a.update(0.6).level, AlarmLevel::Normal);
        }
        assert_eq!(a.update(0.6).level, AlarmLevel::Warn);
        a.reset();
        assert_eq!(a.level(), AlarmLevel::Normal);
    }
}
