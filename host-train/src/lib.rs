//! host-train: fits the galling model family (V8, V8-13, V9, V7) to press stroke data, compares the variants and prepares the chosen one for the firmware.
pub mod analyze;
pub mod atomic;
pub mod averaging;
pub mod compare;
pub mod dataset;
pub mod demo;
pub mod evaluate;
pub mod feature_eval;
pub mod fit;
pub mod fitting;
pub mod package;
pub mod params_file;
pub mod plots;
pub mod precursor;
pub mod progress;
pub mod replay;
pub mod simulation;
pub mod stats;
pub mod strokes;
pub mod summary;
pub mod table;
pub mod train;
pub mod tune;
pub mod validation;

/// An error and each of its causes once, joined by `": "` (the library's errors say where in their
/// message and leave the cause to [`source`](std::error::Error::source)); the CLI prints the same.
///
/// ```
/// let e = host_train::params_file::load("no/such/params.json".as_ref()).unwrap_err();
/// let text = host_train::error_chain(&e);
/// assert!(text.starts_with("no/such/params.json: cannot read: "), "{text}");
/// ```
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}
