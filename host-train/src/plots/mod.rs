//! Every figure of host-train, each as PNG and SVG (`plotters`, with the DejaVu Sans font compiled
//! in, so no system font is needed): the plumbing (font, palette, `render_with`, [`draw_into`])
//! and the figures of a training run here, the other commands' figures in [`replay`],
//! [`validation`], [`analysis`] and [`tune`]. No other module draws.
//!
//! The figures of a training run:
//!
//! - `training_curve`: train and test loss (NLL per transition) of the winning run against iteration,
//!   drawn from the loss log (`loss.csv`).
//! - `potential`: `V(mu)` and the force `-V'(mu)` at 160, 165, 167.5 and 170 C, with the wells marked
//!   (double-well variants only: V7 has no potential).
//! - `mixture`: per temperature, the stay probability and both components' next-stroke COF
//!   (`mu + drift`, shaded +/- one spread) against the current COF.
//! - `barrier`: barrier height from each well and the escape probability `1 - pi` against temperature
//!   (double-well variants only).
//! - `simulation`: per series, simulated trajectories, their 10-90 % envelope and median, and the
//!   observed series.
//!
//! Every file is written atomically (temporary file, fsync, rename).

pub use crate::atomic::PlotError;
use crate::simulation::{SeriesSimulation, envelope};
use galling::family::{AnyModel, ModelParams};
use galling::{Kernel, Model};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::error::Error;
use std::path::{Path, PathBuf};
use std::sync::Once;

/// Temperatures of the landscape figures, degC.
pub const LANDSCAPE_TEMPERATURES: [f64; 4] = [160.0, 165.0, 167.5, 170.0];

/// Font family of every figure (the compiled-in DejaVu Sans; no system font is needed).
pub(crate) const FONT: &str = "sans-serif";
static FONT_BYTES: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// Draws figures into an output set: `draw` writes them into the set's staging folder (the folder
/// it is given); they are registered with the set, and an error names the figure's final path
/// (never the staging folder). Returns the final paths.
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let mut set = host_train::atomic::OutputSet::begin(&dir.path().join("run"))?;
/// let e = host_train::plots::draw_into(&mut set, |staging| {
///     Err::<Vec<std::path::PathBuf>, _>(host_train::plots::PlotError {
///         path: staging.join("a.png"),
///         message: "no ink".into(),
///     })
/// })
/// .unwrap_err();
/// assert_eq!(e.path, dir.path().join("run/a.png"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// The figure's [`PlotError`], or a file `draw` claims but did not write.
pub fn draw_into<I: IntoIterator<Item = PathBuf>>(
    set: &mut crate::atomic::OutputSet,
    draw: impl FnOnce(&Path) -> Result<I, PlotError>,
) -> Result<Vec<PathBuf>, PlotError> {
    let drawn = draw(set.staging_dir()).map_err(|mut e| {
        e.path = set.user_path(&e.path);
        e
    })?;
    let mut files = Vec::new();
    for f in drawn {
        files.push(set.add_written(&f).map_err(|e| PlotError {
            path: e.path,
            message: e.source.to_string(),
        })?);
    }
    Ok(files)
}

/// What a drawing function returns.
pub(crate) type DrawResult = Result<(), Box<dyn Error>>;

/// The legend mark of a line series: a horizontal stroke `length` pixels long in `style`.
pub(crate) fn legend_stroke<S: Into<ShapeStyle> + Clone>(
    length: i32,
    style: S,
) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    move |(x, y)| PathElement::new(vec![(x, y), (x + length, y)], style.clone())
}

/// Draws `chart`'s legend at `position`: labels in `font_size`-point type on a white box framed
/// in `border` (every figure's legend, one definition).
pub(crate) fn draw_legend<'a, DB: DrawingBackend + 'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
    font_size: u32,
    border: ShapeStyle,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    chart
        .configure_series_labels()
        .position(position)
        .label_font((FONT, font_size))
        .background_style(WHITE.mix(0.85))
        .border_style(border)
        .draw()?;
    Ok(())
}

/// Picks `(drift, spread)` of one mixture component.
type ComponentPick = fn(&galling::Mixture<f64>) -> (f64, f64);

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The font is compiled in and known to parse (tested); a failure would only lose the text.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES);
    });
}

/// The colour of series `i` (cycles through six).
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

/// Draws one figure with both backends (the same drawing code, instantiated twice).
macro_rules! render {
    ($dir:expr, $name:expr, $size:expr, |$root:ident| $body:expr) => {
        render_with($dir, $name, $size, |$root| $body, |$root| $body)?
    };
}

pub mod analysis;
pub mod replay;
pub mod tune;
pub mod validation;

/// What the figures show.
#[derive(Debug, Clone, Copy)]
pub struct PlotInput<'a> {
    /// The fitted parameters (any variant; the potential and barrier figures only for the
    /// double-well variants, which have them).
    pub params: &'a ModelParams<f64>,
    /// The loss log of the winning run (train and test NLL per transition).
    pub loss: &'a [crate::fit::LossRow],
    /// Observed series with their simulations.
    pub simulations: &'a [SeriesSimulation],
    /// The observed series, parallel to `simulations`.
    pub observed: &'a [Vec<f64>],
}

/// Draws every figure into `dir`; returns the files written.
///
/// # Errors
/// [`PlotError`] naming the first figure that failed.
pub fn draw_all(dir: &Path, input: &PlotInput<'_>) -> Result<Vec<PathBuf>, PlotError> {
    register_font();
    let any = AnyModel::new(input.params).map_err(|e| PlotError {
        path: dir.to_path_buf(),
        message: e.to_string(),
    })?;
    let mut files = Vec::new();
    let rows = input.simulations.len().max(1) as u32;
    files.extend(render!(dir, "training_curve", (900, 560), |a| {
        draw_training_curve(a, input.loss)
    }));
    let double_well = match any {
        AnyModel::DoubleWell(_, m) => Some(m),
        _ => None,
    };
    if let Some(model) = &double_well {
        files.extend(render!(dir, "potential", (1400, 640), |a| draw_potential(
            a, model
        )));
    }
    files.extend(render!(dir, "mixture", (1200, 300 * 4), |a| draw_mixture(
        a, &any
    )));
    if let Some(model) = &double_well {
        files.extend(render!(dir, "barrier", (1200, 520), |a| draw_barrier(
            a, model
        )));
    }
    files.extend(render!(dir, "simulation", (1200, 300 * rows), |a| {
        draw_simulation(a, input.simulations, input.observed)
    }));
    Ok(files)
}

/// Renders one figure to `<name>.png` and `<name>.svg`, each written atomically.
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
    encode_png(&pixels, size, &mut bytes).map_err(|e| fail(&png, &e))?;
    crate::atomic::write(&png, &bytes).map_err(|e| fail(&png, &e.source))?;
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, size).into_drawing_area();
        draw_svg(&root)
            .and_then(|()| Ok(root.present()?))
            .map_err(|e| fail(&svg, &e))?;
    }
    crate::atomic::write(&svg, text.as_bytes()).map_err(|e| fail(&svg, &e.source))?;
    Ok([png, svg])
}

/// Encodes 8-bit RGB pixels as PNG.
fn encode_png(
    pixels: &[u8],
    (w, h): (u32, u32),
    out: &mut Vec<u8>,
) -> Result<(), png::EncodingError> {
    let mut encoder = png::Encoder::new(out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(pixels)?;
    writer.finish()
}

fn draw_training_curve<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    loss: &[crate::fit::LossRow],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let train: Vec<(f64, f64)> = loss
        .iter()
        .map(|r| (r.iteration as f64, r.train_nll + r.regularization))
        .collect();
    let test: Vec<(f64, f64)> = loss
        .iter()
        .filter_map(|r| r.test_nll.map(|t| (r.iteration as f64, t)))
        .collect();
    let mut lines = vec![("train NLL per transition (+ L2 term)".to_string(), train)];
    if !test.is_empty() {
        lines.push((
            "test NLL per transition (never optimised)".to_string(),
            test,
        ));
    }
    draw_loss_lines(
        root,
        "Loss log of the winning run (loss.csv)",
        "iteration (L-BFGS step, Adam epoch, SNES generation then polish)",
        &lines,
    )
}

/// Draws loss curves `(x, loss)` on one chart: the y range starts at the lowest loss and shows the
/// last stretch of the descent (early values are far higher and are clipped at the top).
pub(crate) fn draw_loss_lines<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    x_desc: &str,
    lines: &[(String, Vec<(f64, f64)>)],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let finite = |v: &[(f64, f64)]| -> Vec<(f64, f64)> {
        v.iter()
            .copied()
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .collect()
    };
    let all: Vec<(f64, f64)> = lines.iter().flat_map(|(_, v)| finite(v)).collect();
    let x_min = all.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let x_min = if x_min.is_finite() {
        x_min.min(0.0)
    } else {
        0.0
    };
    let x_max = all.iter().map(|p| p.0).fold(1.0, f64::max);
    let lo = all.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let hi = all.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    let (y_lo, y_hi) = if lo.is_finite() && hi.is_finite() {
        // Each line's final value should be visible with room above: at most 0.5 per transition.
        let last_max = lines
            .iter()
            .filter_map(|(_, v)| finite(v).last().map(|p| p.1))
            .fold(lo, f64::max);
        let span = (hi - lo).min((last_max - lo) * 4.0 + 0.05).clamp(1e-3, 0.5);
        (lo - 0.05 * span, lo + span)
    } else {
        (0.0, 1.0)
    };
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, 22))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(80)
        .build_cartesian_2d(x_min..x_max * 1.02, y_lo..y_hi)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc("negative log-likelihood per transition")
        .label_style((FONT, 15))
        .draw()?;
    for (i, (name, v)) in lines.iter().enumerate() {
        let color = palette(i);
        let pts = finite(v).into_iter().map(|(x, y)| (x, y.min(y_hi)));
        chart
            .draw_series(LineSeries::new(pts, color.stroke_width(2)))?
            .label(name.as_str())
            .legend(legend_stroke(20, color.stroke_width(2)));
    }
    draw_legend(
        &mut chart,
        SeriesLabelPosition::UpperRight,
        15,
        BLACK.into(),
    )
}

/// COF grid over the model's range.
fn cof_grid(n: usize) -> Vec<f64> {
    let (lo, hi) = (galling::consts::COF_MIN, galling::consts::COF_MAX);
    (0..=n)
        .map(|i| lo + (hi - lo) * i as f64 / n as f64)
        .collect()
}

/// Local minima of `V` on the grid (where the force changes sign from + to -).
fn wells(land: &galling::Landscape<f64>, grid: &[f64]) -> Vec<f64> {
    grid.windows(2)
        .filter(|w| -land.potential_slope(w[0]) > 0.0 && -land.potential_slope(w[1]) <= 0.0)
        .map(|w| {
            // Refine the sign change by bisection.
            let (mut a, mut b) = (w[0], w[1]);
            for _ in 0..50 {
                let m = 0.5 * (a + b);
                if -land.potential_slope(m) > 0.0 {
                    a = m;
                } else {
                    b = m;
                }
            }
            0.5 * (a + b)
        })
        .collect()
}

fn range_of(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.06).max(1e-12);
    (lo - pad, hi + pad)
}

fn draw_potential<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    model: &Model<f64>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let root = root.titled(
        "Potential V(mu) (top) and force -V'(mu) (bottom) per temperature; dots: wells (minima of V), grey: mu_L, mu_H",
        (FONT, 19),
    )?;
    let panels = root.split_evenly((2, LANDSCAPE_TEMPERATURES.len()));
    let grid = cof_grid(600);
    let p = model.params();
    for (k, row) in panels.chunks(LANDSCAPE_TEMPERATURES.len()).enumerate() {
        for (i, (&t, panel)) in LANDSCAPE_TEMPERATURES.iter().zip(row).enumerate() {
            let land = model.landscape(t);
            let value = |m: f64| {
                if k == 0 {
                    land.potential(m)
                } else {
                    -land.potential_slope(m)
                }
            };
            let (y_lo, y_hi) = range_of(grid.iter().map(|&m| value(m)));
            let span = y_hi - y_lo;
            let mut chart = ChartBuilder::on(panel)
                .margin(10)
                .x_label_area_size(35)
                .y_label_area_size(62)
                .caption(
                    format!("{t} C: {}", if k == 0 { "V(mu)" } else { "-V'(mu)" }),
                    (FONT, 16),
                )
                .build_cartesian_2d(
                    galling::consts::COF_MIN..galling::consts::COF_MAX,
                    y_lo..y_hi,
                )?;
            chart
                .configure_mesh()
                .x_desc("COF mu")
                .x_labels(6)
                .y_labels(6)
                .y_label_formatter(&|v| {
                    if v.abs() < span * 1e-9 {
                        "0".to_string()
                    } else {
                        format!("{v:.1e}")
                    }
                })
                .label_style((FONT, 12))
                .draw()?;
            for x in [p.mu_l, p.mu_h] {
                chart.draw_series(LineSeries::new(
                    [(x, y_lo), (x, y_hi)],
                    BLACK.mix(0.35).stroke_width(1),
                ))?;
            }
            if k == 1 && y_lo < 0.0 && y_hi > 0.0 {
                chart.draw_series(LineSeries::new(
                    [
                        (galling::consts::COF_MIN, 0.0),
                        (galling::consts::COF_MAX, 0.0),
                    ],
                    BLACK.stroke_width(1),
                ))?;
            }
            let color = palette(i);
            chart.draw_series(LineSeries::new(
                grid.iter().map(|&m| (m, value(m))),
                color.stroke_width(2),
            ))?;
            chart.draw_series(
                wells(&land, &grid)
                    .into_iter()
                    .map(|m| Circle::new((m, value(m)), 5, BLACK.filled())),
            )?;
        }
    }
    Ok(())
}

fn draw_mixture<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    model: &AnyModel<f64>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let root = root.titled(
        "Transition mixture against the current COF (left: stay probability; right: next-stroke COF mu + drift, shaded +/- spread)",
        (FONT, 18),
    )?;
    let rows = root.split_evenly((LANDSCAPE_TEMPERATURES.len(), 2));
    let grid = cof_grid(300);
    let (lo, hi) = (galling::consts::COF_MIN, galling::consts::COF_MAX);
    for (i, &t) in LANDSCAPE_TEMPERATURES.iter().enumerate() {
        let land = model.landscape(t);
        let mix: Vec<(f64, galling::Mixture<f64>)> =
            grid.iter().map(|&m| (m, land.mixture(m))).collect();
        let mut left = ChartBuilder::on(&rows[2 * i])
            .margin(8)
            .x_label_area_size(30)
            .y_label_area_size(55)
            .caption(format!("{t} C: stay probability pi"), (FONT, 15))
            .build_cartesian_2d(lo..hi, 0.0..1.0)?;
        left.configure_mesh()
            .x_desc("COF mu")
            .label_style((FONT, 12))
            .draw()?;
        left.draw_series(LineSeries::new(
            mix.iter().map(|(m, x)| (*m, x.stay_probability)),
            palette(0).stroke_width(2),
        ))?;
        let mut right = ChartBuilder::on(&rows[2 * i + 1])
            .margin(8)
            .x_label_area_size(30)
            .y_label_area_size(55)
            .caption(format!("{t} C: next-stroke COF"), (FONT, 15))
            .build_cartesian_2d(lo..hi, -0.2..1.6)?;
        right
            .configure_mesh()
            .x_desc("COF mu")
            .label_style((FONT, 12))
            .draw()?;
        right.draw_series(LineSeries::new(
            [(lo, lo), (hi, hi)],
            BLACK.mix(0.4).stroke_width(1),
        ))?;
        let components: [(&str, RGBColor, ComponentPick); 2] = [
            ("stay", palette(1), |x| (x.stay_drift, x.stay_spread)),
            ("jump", palette(3), |x| (x.jump_drift, x.jump_spread)),
        ];
        for (name, color, pick) in components {
            let upper = mix.iter().map(|(m, x)| (*m, m + pick(x).0 + pick(x).1));
            let lower = mix
                .iter()
                .rev()
                .map(|(m, x)| (*m, m + pick(x).0 - pick(x).1));
            right.draw_series(std::iter::once(Polygon::new(
                upper.chain(lower).collect::<Vec<_>>(),
                color.mix(0.18).filled(),
            )))?;
            right
                .draw_series(LineSeries::new(
                    mix.iter().map(|(m, x)| (*m, m + pick(x).0)),
                    color.stroke_width(2),
                ))?
                .label(name)
                .legend(legend_stroke(20, color.stroke_width(2)));
        }
        draw_legend(&mut right, SeriesLabelPosition::UpperLeft, 12, BLACK.into())?;
    }
    Ok(())
}

fn draw_barrier<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, model: &Model<f64>) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let root = root.titled(
        "Barrier height from each well and escape probability 1 - pi against die temperature",
        (FONT, 20),
    )?;
    let panels = root.split_evenly((1, 2));
    let p = model.params();
    let temps: Vec<f64> = (0..=200)
        .map(|i| 150.0 + 25.0 * f64::from(i) / 200.0)
        .collect();
    let wells = [
        ("from clean well mu_L", p.mu_l),
        ("from galled well mu_H", p.mu_h),
    ];
    let barrier: Vec<Vec<(f64, f64)>> = wells
        .iter()
        .map(|&(_, w)| {
            temps
                .iter()
                .map(|&t| (t, model.landscape(t).barrier_height(w).max(1e-12)))
                .collect()
        })
        .collect();
    let b_hi = barrier.iter().flatten().map(|p| p.1).fold(1e-12, f64::max) * 2.0;
    let b_lo = barrier.iter().flatten().map(|p| p.1).fold(b_hi, f64::min) * 0.5;
    let mut left = ChartBuilder::on(&panels[0])
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(80)
        .caption(
            "barrier height dV = V(mid) - V(well), log scale (0 shown as 1e-12)",
            (FONT, 17),
        )
        .build_cartesian_2d(150.0..175.0, (b_lo..b_hi).log_scale())?;
    left.configure_mesh()
        .x_desc("die temperature, C")
        .y_desc("dV")
        .y_label_formatter(&|v| format!("{v:.2e}"))
        .label_style((FONT, 14))
        .draw()?;
    for (i, ((name, _), points)) in wells.iter().zip(&barrier).enumerate() {
        let color = palette(i * 3);
        left.draw_series(LineSeries::new(
            points.iter().copied(),
            color.stroke_width(2),
        ))?
        .label(*name)
        .legend(legend_stroke(20, color.stroke_width(2)));
    }
    draw_legend(
        &mut left,
        SeriesLabelPosition::MiddleRight,
        14,
        BLACK.into(),
    )?;
    let mut right = ChartBuilder::on(&panels[1])
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .caption("escape probability per stroke, 1 - pi", (FONT, 17))
        .build_cartesian_2d(150.0..175.0, 0.0..1.0)?;
    right
        .configure_mesh()
        .x_desc("die temperature, C")
        .y_desc("1 - pi")
        .label_style((FONT, 14))
        .draw()?;
    for (i, &(name, w)) in wells.iter().enumerate() {
        let color = palette(i * 3);
        right
            .draw_series(LineSeries::new(
                temps
                    .iter()
                    .map(|&t| (t, 1.0 - model.landscape(t).stay_probability(w))),
                color.stroke_width(2),
            ))?
            .label(name)
            .legend(legend_stroke(20, color.stroke_width(2)));
    }
    draw_legend(&mut right, SeriesLabelPosition::UpperLeft, 14, BLACK.into())
}

fn draw_simulation<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    sims: &[SeriesSimulation],
    observed: &[Vec<f64>],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let root = root.titled(
        "Simulated trajectories (thin), their 10-90 % envelope and median, against the observed series (black)",
        (FONT, 18),
    )?;
    let panels = root.split_evenly((sims.len().max(1), 1));
    for ((sim, obs), panel) in sims.iter().zip(observed).zip(panels.iter()) {
        let r = &sim.row;
        let n = r.strokes.max(2) as f64;
        let mut chart = ChartBuilder::on(panel)
            .margin(8)
            .x_label_area_size(32)
            .y_label_area_size(55)
            .caption(
                format!(
                    "{} C data (model {} C), {} runs: observed mean {:.3}, simulated mean {:.3}",
                    r.recorded_temperature,
                    r.model_temperature,
                    r.runs,
                    r.observed_mean,
                    r.simulated_mean
                ),
                (FONT, 15),
            )
            .build_cartesian_2d(0.0..n - 1.0, 0.0..1.4)?;
        chart
            .configure_mesh()
            .x_desc("stroke")
            .y_desc("COF")
            .label_style((FONT, 12))
            .draw()?;
        let env = envelope(&sim.trajectories, 0.1, 0.9);
        let upper = env.iter().enumerate().map(|(i, e)| (i as f64, e.2));
        let lower = env.iter().enumerate().rev().map(|(i, e)| (i as f64, e.0));
        chart
            .draw_series(std::iter::once(Polygon::new(
                upper.chain(lower).collect::<Vec<_>>(),
                palette(0).mix(0.2).filled(),
            )))?
            .label("simulated 10-90 %")
            .legend(|(x, y)| {
                Rectangle::new([(x, y - 5), (x + 20, y + 5)], palette(0).mix(0.2).filled())
            });
        for t in sim.trajectories.iter().take(3) {
            chart.draw_series(LineSeries::new(
                t.iter().enumerate().map(|(i, &c)| (i as f64, c)),
                palette(2).mix(0.55).stroke_width(1),
            ))?;
        }
        chart
            .draw_series(LineSeries::new(
                env.iter().enumerate().map(|(i, e)| (i as f64, e.1)),
                palette(0).stroke_width(2),
            ))?
            .label("simulated median")
            .legend(legend_stroke(20, palette(0).stroke_width(2)));
        chart
            .draw_series(LineSeries::new(
                obs.iter().enumerate().map(|(i, &c)| (i as f64, c)),
                BLACK.stroke_width(2),
            ))?
            .label("observed")
            .legend(legend_stroke(20, BLACK.stroke_width(2)));
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, -1.0), (0.0, -1.0)],
                palette(2).mix(0.55),
            )))?
            .label("three simulated runs")
            .legend(legend_stroke(20, palette(2)));
        draw_legend(&mut chart, SeriesLabelPosition::UpperLeft, 12, BLACK.into())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_in_font_parses() {
        assert!(plotters::style::register_font("test-font", FontStyle::Normal, FONT_BYTES).is_ok());
    }

    #[test]
    fn published_fit_has_two_wells_at_160_and_none_at_170() {
        let model = Model::new(&galling::V8Params::PUBLISHED_FIT.map(f64::from)).unwrap();
        let grid = cof_grid(600);
        let w160 = wells(&model.landscape(160.0), &grid);
        assert_eq!(w160.len(), 2, "{w160:?}");
        assert!(
            (w160[0] - 0.2).abs() < 0.01 && (w160[1] - 0.8).abs() < 0.01,
            "{w160:?}"
        );
        // At 170 C the barrier has collapsed (h(170) = h0 e^-6.9, below the tilt |g|): no well is
        // left in the COF range, the stay drift points down everywhere and galling comes from the
        // jumps alone. (The test's old name promised one well near mu_H at 170 C and checked only
        // 160 C; the published fit has none.)
        let l170 = model.landscape(170.0);
        let w170 = wells(&l170, &grid);
        assert!(w170.is_empty(), "{w170:?}");
        assert!(l170.barrier_scale() < l170.tilt().abs());
        assert!(grid.iter().all(|&mu| l170.mixture(mu).stay_drift < 0.0));
    }
}
