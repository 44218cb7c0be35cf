//! Figure plumbing of the replay and validation plots: the same compiled-in DejaVu Sans font, colour
//! palette and PNG + SVG pair as [`crate::plots`], every file written atomically.

use plotters::coord::Shift;
use plotters::prelude::*;
use std::error::Error;
use std::path::{Path, PathBuf};
use std::sync::Once;

pub(crate) use crate::plots::PlotError;

/// Font family the figures use (registered from the compiled-in DejaVu Sans, as in [`crate::plots`]).
pub(crate) const FONT: &str = "sans-serif";
static FONT_BYTES: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// What a drawing function returns.
pub(crate) type DrawResult = Result<(), Box<dyn Error>>;

/// Registers the compiled-in font once (no system font is needed).
pub(crate) fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The font is compiled in and known to parse (host-train's plot tests); a failure would only
        // lose the text.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES);
    });
}

/// The palette of [`crate::plots`].
pub(crate) fn palette(i: usize) -> RGBColor {
    const COLORS: [RGBColor; 6] = [
        RGBColor(31, 119, 180),
        RGBColor(44, 160, 44),
        RGBColor(255, 127, 14),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
    ];
    COLORS[i % COLORS.len()]
}

/// Draws one figure with both backends into `<dir>/<name>.png` and `<dir>/<name>.svg`.
macro_rules! render {
    ($dir:expr, $name:expr, $size:expr, |$root:ident| $body:expr) => {
        $crate::validation::figure::render_with($dir, $name, $size, |$root| $body, |$root| $body)
    };
}
pub(crate) use render;

/// Renders one figure to `<name>.png` and `<name>.svg`, atomically.
pub(crate) fn render_with(
    dir: &Path,
    name: &str,
    size: (u32, u32),
    draw_png: impl FnOnce(&DrawingArea<BitMapBackend<'_>, Shift>) -> DrawResult,
    draw_svg: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> DrawResult,
) -> Result<[PathBuf; 2], PlotError> {
    register_font();
    let png = dir.join(format!("{name}.png"));
    let svg = dir.join(format!("{name}.svg"));
    let fail = |path: &Path, e: &dyn std::fmt::Display| PlotError {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut pixels = vec![0u8; size.0 as usize * size.1 as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, size).into_drawing_area();
        draw_png(&root)
            .and_then(|()| Ok(root.present()?))
            .map_err(|e| fail(&png, &e))?;
    }
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, size.0, size.1);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|e| fail(&png, &e))?;
        writer
            .write_image_data(&pixels)
            .map_err(|e| fail(&png, &e))?;
        writer.finish().map_err(|e| fail(&png, &e))?;
    }
    crate::atomic::write(&png, &bytes).map_err(|e| fail(&png, &e))?;
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, size).into_drawing_area();
        draw_svg(&root)
            .and_then(|()| Ok(root.present()?))
            .map_err(|e| fail(&svg, &e))?;
    }
    crate::atomic::write(&svg, text.as_bytes()).map_err(|e| fail(&svg, &e))?;
    Ok([png, svg])
}
