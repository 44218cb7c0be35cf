//! The reliability figure of `host-train validate`, and its outputs.

use super::{DrawResult, FONT, PlotError, draw_legend, legend_stroke, palette, render_with};
use crate::validation::report::method_label;
use crate::validation::{CellReport, Subset, ValidationReport};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// Writes `validation.json`, `validation.md`, `reliability.{png,svg}` and
/// `cv_replay.{png,svg}` into `dir` (created if missing), atomically; returns the files.
///
/// # Errors
/// [`crate::validation::ValidateError::Write`] or [`crate::validation::ValidateError::Plot`] naming the file.
pub fn write_outputs(
    dir: &Path,
    report: &ValidationReport,
    timeline: &[Vec<crate::replay::ReplayRow>],
) -> Result<Vec<PathBuf>, crate::validation::ValidateError> {
    let mut set = crate::atomic::OutputSet::begin(dir)?;
    let text =
        serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    set.write("validation.json", text.as_bytes())?;
    set.write(
        "validation.md",
        crate::validation::report::markdown(report).as_bytes(),
    )?;
    super::draw_into(&mut set, |d| draw_reliability(d, report))?;
    super::draw_into(&mut set, |d| {
        super::replay::draw(
            d,
            "cv_replay",
            timeline,
            report.settings.threshold,
            report.settings.alarm_horizon,
        )
    })?;
    Ok(set.commit()?)
}

/// Draws `reliability.png` and `.svg`: for the first scheme (cross-validation), one panel per
/// horizon and subset with the raw, Monte Carlo, isotonic and Platt forecasts' reliability curves.
///
/// # Errors
/// [`PlotError`] naming the file.
pub fn draw_reliability(dir: &Path, r: &ValidationReport) -> Result<[PathBuf; 2], PlotError> {
    let cells: Vec<&CellReport> = r
        .schemes
        .first()
        .map(|s| s.cells.iter().collect())
        .unwrap_or_default();
    let cols = r.settings.horizons.len().max(1);
    let title = r
        .schemes
        .first()
        .map_or_else(String::new, |s| s.name.clone());
    Ok(render!(
        dir,
        "reliability",
        (560 * cols as u32, 1100),
        |root| draw(root, &cells, cols, &title)
    ))
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    cells: &[&CellReport],
    cols: usize,
    title: &str,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let root = root.titled(
        &format!("Reliability of the galling risk, {title} (point area ~ forecasts in the bin)"),
        (FONT, 18),
    )?;
    let panels = root.split_evenly((2, cols));
    for (i, panel) in panels.iter().enumerate() {
        // Panel (row, col): row = subset (all, clean), col = horizon.
        let (row, col) = (i / cols, i % cols);
        let subset = if row == 0 { Subset::All } else { Subset::Clean };
        let Some(c) = cells.iter().filter(|c| c.subset == subset).nth(col) else {
            continue;
        };
        let mut chart = ChartBuilder::on(panel)
            .caption(
                format!(
                    "k = {} strokes, {} strokes ({} scored, {} events)",
                    c.horizon,
                    c.subset.name(),
                    c.forecasts,
                    c.events
                ),
                (FONT, 15),
            )
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(46)
            .build_cartesian_2d(0.0..1.0, 0.0..1.0)?;
        chart
            .configure_mesh()
            .x_desc("predicted probability (bin mean)")
            .y_desc("observed frequency")
            .label_style((FONT, 13))
            .draw()?;
        chart.draw_series(LineSeries::new(
            [(0.0, 0.0), (1.0, 1.0)],
            BLACK.mix(0.4).stroke_width(1),
        ))?;
        for (j, (name, bins)) in c.reliability.iter().enumerate() {
            let colour = palette(j);
            let pts: Vec<(f64, f64, usize)> = bins
                .iter()
                .filter(|b| b.count > 0)
                .map(|b| (b.mean_predicted, b.observed_frequency, b.count))
                .collect();
            chart
                .draw_series(LineSeries::new(
                    pts.iter().map(|p| (p.0, p.1)),
                    colour.stroke_width(2),
                ))?
                .label(method_label(name))
                .legend(legend_stroke(16, colour.stroke_width(2)));
            chart.draw_series(pts.iter().map(|&(x, y, n)| {
                let radius = (2.0 + (n as f64).sqrt() * 0.6).min(14.0) as i32;
                Circle::new((x, y), radius, colour.mix(0.6).filled())
            }))?;
        }
        draw_legend(
            &mut chart,
            SeriesLabelPosition::UpperLeft,
            12,
            BLACK.mix(0.3).into(),
        )?;
    }
    Ok(())
}
