//! The replay figure (`host-train replay`, and `cv_replay` of `host-train validate`) and the
//! replay's outputs.

use super::{DrawResult, FONT, PlotError, draw_legend, legend_stroke, palette, render_with};
use crate::replay::ReplayRow;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// Writes the replay's outputs into the folder `out` as one set ([`crate::atomic::OutputSet`]):
/// `replay.csv` ([`crate::replay::write_csv`]) and, with `plots`, `replay.png` and `replay.svg` ([`draw`], with
/// the package's threshold and horizon); returns the files written. A failure leaves the folder's
/// previous set as it was.
///
/// ```
/// let series = host_train::dataset::Dataset::load(
///     std::path::Path::new("../data/demo"), &Default::default())?.series;
/// let package = host_train::replay::package_for(std::path::Path::new("../data/v8-published-fit.json"), &series)?;
/// let rows = host_train::replay::replay_all(&package, &series)?;
/// let dir = tempfile::tempdir()?;
/// let files = host_train::plots::replay::write_outputs(&dir.path().join("replay"), &rows, &package, false)?;
/// assert_eq!(files, [dir.path().join("replay/replay.csv")]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`crate::replay::ReplayError::Write`] or [`crate::replay::ReplayError::Plot`] naming the file (its final path).
pub fn write_outputs(
    out: &Path,
    rows: &[Vec<ReplayRow>],
    package: &galling::monitor::Package,
    plots: bool,
) -> Result<Vec<PathBuf>, crate::replay::ReplayError> {
    let mut set = crate::atomic::OutputSet::begin(out)?;
    set.write_with("replay.csv", |w| crate::replay::fill_csv(w, rows))?;
    let table = package.table();
    if plots {
        super::draw_into(&mut set, |dir| {
            draw(
                dir,
                "replay",
                rows,
                f64::from(table.threshold()),
                table.spec().horizon,
            )
        })?;
    }
    Ok(set.commit()?)
}

/// Draws `<dir>/<name>.png` and `.svg`: per series one panel of the COF and the risk against the
/// stroke, the galling threshold, onsets (red triangles), and the three signals shaded distinctly:
/// hot die (a yellow band along the bottom), onset warning (orange), galling detected (red).
///
/// # Errors
/// [`PlotError`] naming the file.
pub fn draw(
    dir: &Path,
    name: &str,
    rows: &[Vec<ReplayRow>],
    threshold: f64,
    horizon: u16,
) -> Result<[PathBuf; 2], PlotError> {
    let panels = rows.len().max(1) as u32;
    Ok(render!(dir, name, (1200, 280 * panels + 40), |root| {
        draw_replay(root, rows, threshold, horizon)
    }))
}

fn draw_replay<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    rows: &[Vec<ReplayRow>],
    threshold: f64,
    horizon: u16,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let root = root.titled(
        &format!(
            "Monitor replay: COF, risk P(COF > {threshold:.2} within {horizon} strokes), galling \
             threshold, onsets; signals shaded"
        ),
        (FONT, 18),
    )?;
    let areas = root.split_evenly((rows.len().max(1), 1));
    let hot = RGBColor(240, 215, 60).mix(0.8);
    let warn = RGBColor(255, 170, 60).mix(0.45);
    let galled = RGBColor(220, 50, 50).mix(0.3);
    for (series, area) in rows.iter().zip(areas.iter()) {
        let Some(first) = series.first() else {
            continue;
        };
        let n = series.len() as f64;
        let y_max = series.iter().map(|r| r.cof).fold(1.05_f64, f64::max) * 1.02;
        let band = y_max * 0.03;
        let mut chart = ChartBuilder::on(area)
            .caption(
                format!(
                    "{} ({} C recorded, {} C model), {} strokes",
                    first.series,
                    first.recorded_temperature,
                    first.temperature,
                    series.len()
                ),
                (FONT, 16),
            )
            .margin(8)
            .x_label_area_size(32)
            .y_label_area_size(50)
            .build_cartesian_2d(0.0..n, 0.0..y_max)?;
        chart
            .configure_mesh()
            .x_desc("stroke")
            .y_desc("COF / risk")
            .label_style((FONT, 13))
            .draw()?;
        let shade = |on: fn(&ReplayRow) -> bool, lo: f64, hi: f64, colour: RGBAColor| {
            series.iter().filter(move |r| on(r)).map(move |r| {
                let x = f64::from(r.stroke);
                Rectangle::new([(x - 0.5, lo), (x + 0.5, hi)], colour.filled())
            })
        };
        chart
            .draw_series(shade(|r| r.galling_detected, band, y_max, galled))?
            .label("galling detected (alarm: stop)")
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], galled.filled()));
        chart
            .draw_series(shade(|r| r.onset_warning, band, y_max, warn))?
            .label("onset warning (alarm: act)")
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], warn.filled()));
        chart
            .draw_series(shade(|r| r.hot_die, 0.0, band, hot))?
            .label("hot die (status)")
            .legend(move |(x, y)| Rectangle::new([(x, y - 3), (x + 16, y + 3)], hot.filled()));
        chart
            .draw_series(LineSeries::new(
                [(0.0, threshold), (n, threshold)],
                BLACK.mix(0.6).stroke_width(1),
            ))?
            .label(format!("galling threshold {threshold:.2}"))
            .legend(legend_stroke(16, BLACK.mix(0.6)));
        chart
            .draw_series(LineSeries::new(
                series.iter().map(|r| (f64::from(r.stroke), r.cof)),
                palette(0).stroke_width(2),
            ))?
            .label("COF")
            .legend(legend_stroke(16, palette(0).stroke_width(2)));
        chart
            .draw_series(LineSeries::new(
                series.iter().map(|r| (f64::from(r.stroke), r.risk)),
                palette(2).stroke_width(1),
            ))?
            .label("risk")
            .legend(legend_stroke(16, palette(2).stroke_width(2)));
        let cof: Vec<f64> = series.iter().map(|r| r.cof).collect();
        chart
            .draw_series(
                crate::package::onsets(&cof, threshold)
                    .into_iter()
                    .map(|i| {
                        TriangleMarker::new((i as f64, cof[i]), 6, RGBColor(200, 0, 0).filled())
                    }),
            )?
            .label("onset")
            .legend(|(x, y)| TriangleMarker::new((x + 8, y), 5, RGBColor(200, 0, 0).filled()));
        draw_legend(
            &mut chart,
            SeriesLabelPosition::UpperLeft,
            12,
            BLACK.mix(0.3).into(),
        )?;
    }
    Ok(())
}
