//! The figures of `host-train analyze`: `parameters` (|z| per parameter) and `correlation`, and
//! the analysis' outputs.

use crate::analyze::Analysis;
use std::path::{Path, PathBuf};

/// Writes `analysis.json`, `analysis.md`, `parameters.{png,svg}` and `correlation.{png,svg}` into
/// `out`; returns the files.
///
/// # Errors
/// [`crate::analyze::AnalyzeError`] for a folder or file that cannot be written.
pub fn write(
    out: &Path,
    a: &Analysis,
    source: &str,
) -> Result<Vec<PathBuf>, crate::analyze::AnalyzeError> {
    let mut set = crate::atomic::OutputSet::begin(out)?;
    super::draw_into(&mut set, |dir| {
        super::render_with(
            dir,
            "parameters",
            (1000, 560),
            |r| draw_parameters(r, a),
            |r| draw_parameters(r, a),
        )
    })?;
    super::draw_into(&mut set, |dir| {
        super::render_with(
            dir,
            "correlation",
            (760, 700),
            |r| draw_correlation(r, a),
            |r| draw_correlation(r, a),
        )
    })?;
    let mut text = serde_json::to_string_pretty(a).unwrap_or_default();
    text.push('\n');
    set.write("analysis.json", text.as_bytes())?;
    set.write(
        "analysis.md",
        crate::analyze::render_markdown(a, source).as_bytes(),
    )?;
    Ok(set.commit()?)
}

type Draw = Result<(), Box<dyn std::error::Error>>;

/// A parameter name short enough for an axis label (`sigma_jump_up` -> `s_up`).
fn short(name: &str) -> String {
    name.replace("sigma_jump_", "s_")
}

/// |z| = |value| / SE per parameter on a log scale (the weight analysis of the NEP4 report):
/// below 2 the data does not distinguish the parameter from zero.
pub(crate) fn draw_parameters<DB: plotters::prelude::DrawingBackend>(
    root: &plotters::drawing::DrawingArea<DB, plotters::coord::Shift>,
    a: &Analysis,
) -> Draw
where
    DB::ErrorType: 'static,
{
    use crate::plots::{FONT, palette};
    use plotters::prelude::*;
    root.fill(&WHITE)?;
    let n = a.parameters.len();
    let zs: Vec<f64> = a
        .parameters
        .iter()
        .map(|p| p.z.map_or(1e-3, |z| z.abs().max(1e-3)))
        .collect();
    let hi = zs.iter().copied().fold(10.0, f64::max) * 2.0;
    let labels: Vec<String> = a.parameters.iter().map(|p| short(&p.name)).collect();
    let mut chart = ChartBuilder::on(root)
        .caption(
            "Parameters: |value| / standard error (red: not determined)",
            (FONT, 20),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.5..(n as f64 - 0.5), (1e-3..hi).log_scale())?;
    chart
        .configure_mesh()
        .x_labels(n)
        .x_label_formatter(&|x| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 {
                labels.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .y_desc("|z| = |value| / SE")
        .label_style((FONT, 13))
        .draw()?;
    chart.draw_series(
        a.parameters
            .iter()
            .zip(&zs)
            .enumerate()
            .map(|(i, (p, &z))| {
                let c = if p.flags.is_empty() {
                    palette(0)
                } else {
                    palette(3)
                };
                Rectangle::new([(i as f64 - 0.35, 1e-3), (i as f64 + 0.35, z)], c.filled())
            }),
    )?;
    chart.draw_series(LineSeries::new(
        [(-0.5, 2.0), (n as f64 - 0.5, 2.0)],
        BLACK.stroke_width(1),
    ))?;
    Ok(())
}

/// The correlation matrix as a heat map (blue -1, white 0, red +1; grey: undetermined).
pub(crate) fn draw_correlation<DB: plotters::prelude::DrawingBackend>(
    root: &plotters::drawing::DrawingArea<DB, plotters::coord::Shift>,
    a: &Analysis,
) -> Draw
where
    DB::ErrorType: 'static,
{
    use crate::plots::FONT;
    use plotters::prelude::*;
    root.fill(&WHITE)?;
    let n = a.parameters.len();
    let labels: Vec<String> = a.parameters.iter().map(|p| p.name.clone()).collect();
    let mut chart = ChartBuilder::on(root)
        .caption("Correlation of the parameter estimates", (FONT, 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(110)
        .build_cartesian_2d(0.0..n as f64, 0.0..n as f64)?;
    // Cell i spans [i, i + 1]: its label sits at i + 0.5. Rows run top to bottom.
    let at = |x: f64| {
        let i = (x - 0.5).round();
        ((x - 0.5 - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < n).then_some(i as usize)
    };
    let fmt_x = |x: &f64| at(*x).map(|i| short(&labels[i])).unwrap_or_default();
    let fmt_y = |y: &f64| {
        at(*y)
            .map(|i| labels[n - 1 - i].clone())
            .unwrap_or_default()
    };
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(2 * n + 1)
        .y_labels(2 * n + 1)
        .x_label_formatter(&fmt_x)
        .y_label_formatter(&fmt_y)
        .x_label_style((FONT, 11))
        .y_label_style((FONT, 11))
        .draw()?;
    chart.draw_series(
        (0..n)
            .flat_map(|i| (0..n).map(move |j| (i, j)))
            .map(|(i, j)| {
                let color = match a.correlation[i][j] {
                    None => RGBColor(190, 190, 190),
                    Some(r) => {
                        let r = r.clamp(-1.0, 1.0);
                        let fade = |v: f64| (255.0 * (1.0 - v.abs())) as u8;
                        if r >= 0.0 {
                            RGBColor(255, fade(r), fade(r))
                        } else {
                            RGBColor(fade(r), fade(r), 255)
                        }
                    }
                };
                let y = (n - 1 - j) as f64;
                Rectangle::new([(i as f64, y), (i as f64 + 1.0, y + 1.0)], color.filled())
            }),
    )?;
    Ok(())
}
