//! Figure plumbing of the replay and validation plots: the font, palette and atomic PNG + SVG
//! writer of [`crate::plots`], so every figure of host-train looks and is written the same way.

pub(crate) use crate::plots::{DrawResult, FONT, PlotError, palette};

/// Draws one figure with both backends into `<dir>/<name>.png` and `<dir>/<name>.svg`.
macro_rules! render {
    ($dir:expr, $name:expr, $size:expr, |$root:ident| $body:expr) => {
        $crate::plots::render_with($dir, $name, $size, |$root| $body, |$root| $body)
    };
}
pub(crate) use render;
