//! The figures of `host-train tune`: one `sweep_<parameter>` per phase-1 sweep and `long_runs`.

use std::path::{Path, PathBuf};

/// One value of a sweep: its label and the scores of its run (negative log-likelihoods per
/// transition; the test scores `None` without a test set).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SweepPoint {
    /// The swept value, as the report writes it.
    pub value: String,
    /// Train AVG.
    pub train_avg: f64,
    /// Train MIN.
    pub train_min: f64,
    /// Test AVG.
    pub test_avg: Option<f64>,
    /// Test MIN.
    pub test_min: Option<f64>,
}

/// `sweep_<parameter>.{png,svg}`: train and test AVG (with MIN as points) against the swept value.
pub(crate) fn draw_sweep(
    dir: &Path,
    parameter: &str,
    rows: &[SweepPoint],
) -> Result<[PathBuf; 2], crate::plots::PlotError> {
    let name = format!("sweep_{parameter}");
    crate::plots::render_with(
        dir,
        &name,
        (900, 520),
        |root| draw_sweep_chart(root, parameter, rows),
        |root| draw_sweep_chart(root, parameter, rows),
    )
}

fn draw_sweep_chart<DB: plotters::prelude::DrawingBackend>(
    root: &plotters::drawing::DrawingArea<DB, plotters::coord::Shift>,
    parameter: &str,
    rows: &[SweepPoint],
) -> Result<(), Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    use crate::plots::{FONT, draw_legend, legend_stroke, palette};
    use plotters::prelude::*;
    root.fill(&WHITE)?;
    let n = rows.len();
    type Line<'a> = (&'a str, Vec<(f64, f64)>, Vec<(f64, f64)>);
    let mut lines: Vec<Line<'_>> = vec![(
        "train",
        rows.iter()
            .enumerate()
            .map(|(i, r)| (i as f64, r.train_avg))
            .collect(),
        rows.iter()
            .enumerate()
            .map(|(i, r)| (i as f64, r.train_min))
            .collect(),
    )];
    if rows.iter().all(|r| r.test_avg.is_some()) {
        lines.push((
            "test",
            rows.iter()
                .enumerate()
                .filter_map(|(i, r)| r.test_avg.map(|v| (i as f64, v)))
                .collect(),
            rows.iter()
                .enumerate()
                .filter_map(|(i, r)| r.test_min.map(|v| (i as f64, v)))
                .collect(),
        ));
    }
    let ys: Vec<f64> = lines
        .iter()
        .flat_map(|(_, a, b)| a.iter().chain(b).map(|p| p.1))
        .filter(|v| v.is_finite())
        .collect();
    let lo = ys.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = ys.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if lo.is_finite() && hi.is_finite() {
        let pad = ((hi - lo) * 0.1).max(1e-4);
        (lo - pad, hi + pad)
    } else {
        (0.0, 1.0)
    };
    let labels: Vec<String> = rows.iter().map(|r| r.value.clone()).collect();
    let mut chart = ChartBuilder::on(root)
        .caption(
            format!(
                "Phase 1: {} (AVG lines, MIN points, last 10 rows)",
                parameter
            ),
            (FONT, 20),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(80)
        .build_cartesian_2d(-0.5..(n as f64 - 0.5), lo..hi)?;
    chart
        .configure_mesh()
        .x_labels(n.max(1))
        .x_label_formatter(&|x| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 {
                labels.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .x_desc(parameter)
        .y_desc("NLL per transition")
        .label_style((FONT, 15))
        .draw()?;
    for (k, (name, avg, min)) in lines.iter().enumerate() {
        let c = palette(k);
        chart
            .draw_series(LineSeries::new(avg.clone(), c.stroke_width(2)))?
            .label(format!("{name} AVG"))
            .legend(legend_stroke(20, c.stroke_width(2)));
        chart.draw_series(min.iter().map(|&p| Circle::new(p, 4, c.filled())))?;
    }
    draw_legend(
        &mut chart,
        SeriesLabelPosition::UpperRight,
        15,
        BLACK.into(),
    )
}

/// `long_runs.{png,svg}`: train and test loss of the phase-3 runs against wall time.
pub(crate) fn draw_long_runs(
    dir: &Path,
    lines: &[(String, Vec<(f64, f64)>)],
) -> Result<[PathBuf; 2], crate::plots::PlotError> {
    let title = "Phase 3: loss against wall time";
    let x = "wall time since the fit started, s";
    crate::plots::render_with(
        dir,
        "long_runs",
        (900, 560),
        |root| crate::plots::draw_loss_lines(root, title, x, lines),
        |root| crate::plots::draw_loss_lines(root, title, x, lines),
    )
}
