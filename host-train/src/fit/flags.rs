//! Typed physical flags: what [`physical_flags`](super::physical_flags) reports about a parameter
//! set, one [`PhysicalFlag`] per finding, each carrying the parameter name and the numbers.
//!
//! The [`Display`](std::fmt::Display) text of a flag is the human-readable line the reports print;
//! JSON outputs (`summary.json`, `fit_report.json`, `compare.json`, `validation.json`) serialise a
//! flag as that same string.

use serde::{Serialize, Serializer};
use std::fmt;

/// One finding of [`physical_flags`](super::physical_flags) about a parameter set.
///
/// `name`s are the model names of the variant's parameter table (`"mu_H"`, `"omega0"`, ...);
/// `low`/`high` the physical box of the parameter (either may be infinite); `what` names that box
/// in prose (`"the COF range"`, `"the physical range"`, ...).
///
/// ```
/// use host_train::fit::PhysicalFlag;
/// let f = PhysicalFlag::Outside {
///     name: "mu_H",
///     value: 1.55,
///     low: 0.0,
///     high: 1.0,
///     what: "the COF range",
/// };
/// assert_eq!(f.parameter(), "mu_H");
/// assert_eq!(f.to_string(), "mu_H = 1.550000 lies outside the COF range [0, 1]");
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PhysicalFlag {
    /// The value is NaN or infinite.
    NotFinite {
        /// Parameter name.
        name: &'static str,
        /// The value.
        value: f64,
    },
    /// The value lies outside the physical box `[low, high]` (not on a bound).
    Outside {
        /// Parameter name.
        name: &'static str,
        /// The value.
        value: f64,
        /// Lower bound of the box.
        low: f64,
        /// Upper bound of the box.
        high: f64,
        /// The box in prose.
        what: &'static str,
    },
    /// The value sits on the (finite) lower bound of the box, to a relative 1e-9.
    OnLowerBound {
        /// Parameter name.
        name: &'static str,
        /// The value.
        value: f64,
        /// Lower bound of the box.
        low: f64,
        /// Upper bound of the box.
        high: f64,
        /// The box in prose.
        what: &'static str,
    },
    /// The value sits on the (finite) upper bound of the box, to a relative 1e-9.
    OnUpperBound {
        /// Parameter name.
        name: &'static str,
        /// The value.
        value: f64,
        /// Lower bound of the box.
        low: f64,
        /// Upper bound of the box.
        high: f64,
        /// The box in prose.
        what: &'static str,
    },
    /// The well that should be lower (`low_name`) is not below the other one (`high_name`).
    NotOrdered {
        /// Name of the parameter that should be the lower well.
        low_name: &'static str,
        /// Its value.
        low_value: f64,
        /// Name of the parameter that should be the higher well.
        high_name: &'static str,
        /// Its value.
        high_value: f64,
    },
}

impl PhysicalFlag {
    /// The parameter the flag is about (for [`NotOrdered`](Self::NotOrdered): the well that
    /// should be the lower one, the name the text starts with).
    pub fn parameter(&self) -> &'static str {
        match *self {
            Self::NotFinite { name, .. }
            | Self::Outside { name, .. }
            | Self::OnLowerBound { name, .. }
            | Self::OnUpperBound { name, .. } => name,
            Self::NotOrdered { low_name, .. } => low_name,
        }
    }
}

impl fmt::Display for PhysicalFlag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::NotFinite { name, value } => write!(f, "{name} = {value} is not a finite number"),
            Self::Outside {
                name,
                value,
                low,
                high,
                what,
            } => write!(f, "{name} = {value:.6} lies outside {what} [{low}, {high}]"),
            Self::OnLowerBound {
                name,
                value,
                low,
                high,
                what,
            } => write!(
                f,
                "{name} = {value:.6} sits on the lower bound of {what} [{low}, {high}]"
            ),
            Self::OnUpperBound {
                name,
                value,
                low,
                high,
                what,
            } => write!(
                f,
                "{name} = {value:.6} sits on the upper bound of {what} [{low}, {high}]"
            ),
            Self::NotOrdered {
                low_name,
                low_value,
                high_name,
                high_value,
            } => write!(
                f,
                "{low_name} = {low_value:.6} is not below {high_name} = {high_value:.6}: the wells are not ordered"
            ),
        }
    }
}

/// Serialised as its [`Display`](fmt::Display) text, so JSON outputs keep their prose.
impl Serialize for PhysicalFlag {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The flags joined by `"; "` (the form the text reports print), `"none"` when there are none.
///
/// ```
/// use host_train::fit::{PhysicalFlag, flags::join};
/// assert_eq!(join(&[]), "none");
/// let f = PhysicalFlag::NotFinite { name: "tau", value: f64::NAN };
/// assert_eq!(join(&[f, f]), "tau = NaN is not a finite number; tau = NaN is not a finite number");
/// ```
pub fn join(flags: &[PhysicalFlag]) -> String {
    if flags.is_empty() {
        return "none".to_owned();
    }
    flags
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_finite_names_the_parameter_and_keeps_its_text() {
        let f = PhysicalFlag::NotFinite {
            name: "tau",
            value: f64::INFINITY,
        };
        assert_eq!(f.parameter(), "tau");
        assert_eq!(f.to_string(), "tau = inf is not a finite number");
        assert_eq!(
            serde_json::to_string(&f).unwrap(),
            "\"tau = inf is not a finite number\""
        );
    }

    #[test]
    fn outside_names_the_parameter_and_keeps_its_text() {
        let f = PhysicalFlag::Outside {
            name: "omega0",
            value: 1.0e6,
            low: 0.0,
            high: 1.0,
            what: "the physical range (a stay probability before its clamp)",
        };
        assert_eq!(f.parameter(), "omega0");
        assert_eq!(
            f.to_string(),
            "omega0 = 1000000.000000 lies outside the physical range (a stay probability before its clamp) [0, 1]"
        );
    }

    #[test]
    fn on_lower_bound_names_the_parameter_and_keeps_its_text() {
        let f = PhysicalFlag::OnLowerBound {
            name: "mu_L",
            value: 0.1,
            low: 0.1,
            high: 1.0,
            what: "the COF range",
        };
        assert_eq!(f.parameter(), "mu_L");
        assert_eq!(
            f.to_string(),
            "mu_L = 0.100000 sits on the lower bound of the COF range [0.1, 1]"
        );
    }

    #[test]
    fn on_upper_bound_names_the_parameter_and_keeps_its_text() {
        let f = PhysicalFlag::OnUpperBound {
            name: "omega0",
            value: 1.0,
            low: 0.0,
            high: 1.0,
            what: "the physical range",
        };
        assert_eq!(f.parameter(), "omega0");
        assert_eq!(
            f.to_string(),
            "omega0 = 1.000000 sits on the upper bound of the physical range [0, 1]"
        );
    }

    #[test]
    fn not_ordered_names_the_lower_well_and_keeps_its_text() {
        let f = PhysicalFlag::NotOrdered {
            low_name: "mu_L",
            low_value: 0.9,
            high_name: "mu_H",
            high_value: 0.3,
        };
        assert_eq!(f.parameter(), "mu_L");
        assert_eq!(
            f.to_string(),
            "mu_L = 0.900000 is not below mu_H = 0.300000: the wells are not ordered"
        );
        assert_eq!(
            serde_json::to_value([f]).unwrap(),
            serde_json::json!([f.to_string()])
        );
    }

    #[test]
    fn join_matches_the_reports() {
        assert_eq!(join(&[]), "none");
        let a = PhysicalFlag::NotFinite {
            name: "tau",
            value: f64::NAN,
        };
        let b = PhysicalFlag::NotOrdered {
            low_name: "mu_L",
            low_value: 0.9,
            high_name: "mu_H",
            high_value: 0.3,
        };
        assert_eq!(join(&[a, b]), format!("{a}; {b}"));
    }
}
