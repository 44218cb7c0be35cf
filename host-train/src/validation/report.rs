//! The human-readable side of a validation: `validation.md`, its plain-language conclusions and
//! the reliability figure.

use super::figure::{DrawResult, FONT, PlotError, palette, render};
use super::{CellReport, METHODS, SchemeReport, Subset, ValidationReport};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn f3(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.3}")
    } else {
        "n/a".to_string()
    }
}

fn f4(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.4}")
    } else {
        "n/a".to_string()
    }
}

fn signed(x: f64) -> String {
    if x.is_finite() {
        format!("{x:+.3}")
    } else {
        "n/a".to_string()
    }
}

fn method_label(m: &str) -> &'static str {
    match m {
        "model" => "model (grid, f32 monitor)",
        "model_mc" => "model (Monte Carlo check)",
        "model_isotonic" => "model, isotonic recalibration",
        "model_platt" => "model, Platt recalibration",
        "persistence" => "persistence baseline",
        "base_rate" => "base-rate baseline",
        "cof_alarm" => "COF-alarm baseline",
        _ => "?",
    }
}

/// The header row and separator of a table with one column per horizon/subset cell.
fn forecast_table_header(s: &mut String, cells: &[CellReport]) {
    let _ = write!(s, "| forecast |");
    for c in cells {
        let _ = write!(s, " {} |", cell_title(c));
    }
    let _ = write!(s, "\n|---|");
    for _ in cells {
        let _ = write!(s, "---|");
    }
    let _ = writeln!(s);
}

fn cell_title(c: &CellReport) -> String {
    format!("k={} {}", c.horizon, c.subset.name())
}

fn brier_of(c: &CellReport, method: &str) -> Option<super::Interval> {
    c.scores
        .iter()
        .find(|s| s.method == method)
        .map(|s| s.brier)
}

fn skill_of<'a>(c: &'a CellReport, method: &str) -> Option<&'a super::SkillScore> {
    c.skill.iter().find(|s| s.method == method)
}

/// Calibration in the large of a forecast: `"over-predicts"`, `"under-predicts"` or
/// `"is calibrated in the large"`, by the mean forecast against the event rate (a difference of more
/// than 0.02 and a ratio beyond 1.25).
pub fn calibration_word(mean_forecast: f64, event_rate: f64) -> &'static str {
    let d = mean_forecast - event_rate;
    if d > 0.02 && mean_forecast > 1.25 * event_rate {
        "over-predicts"
    } else if d < -0.02 && event_rate > 1.25 * mean_forecast {
        "under-predicts"
    } else {
        "is calibrated in the large"
    }
}

/// Whether a skill interval says better, worse or undecided.
fn skill_word(s: &super::Interval) -> &'static str {
    if s.low > 0.0 {
        "beats"
    } else if s.high < 0.0 {
        "is worse than"
    } else {
        "is not distinguishable from"
    }
}

/// The plain-language findings of a report.
pub fn conclusions(r: &ValidationReport) -> Vec<String> {
    let mut out = Vec::new();
    for scheme in &r.schemes {
        for c in &scheme.cells {
            let (Some(model), Some(iso), Some(sk), Some(sk_iso), Some(best)) = (
                brier_of(c, "model"),
                brier_of(c, "model_isotonic"),
                skill_of(c, "model"),
                skill_of(c, "model_isotonic"),
                brier_of(c, c.best_baseline),
            ) else {
                continue;
            };
            out.push(format!(
                "{} ({}, {} scored strokes, {} events): the model's risk has Brier {} [90% {}, {}] \
                 and {} the best baseline ({}, Brier {} [{}, {}]): skill {} [{}, {}], positive in \
                 {:.0}% of resamples. It {} (mean risk {} vs event rate {}). Isotonic recalibration \
                 fitted on the training folds gives Brier {} [{}, {}], skill {} [{}, {}].",
                scheme.name,
                cell_title(c),
                c.forecasts,
                c.events,
                f4(model.estimate),
                f4(model.low),
                f4(model.high),
                skill_word(&sk.skill),
                method_label(c.best_baseline),
                f4(best.estimate),
                f4(best.low),
                f4(best.high),
                signed(sk.skill.estimate),
                signed(sk.skill.low),
                signed(sk.skill.high),
                100.0 * sk.fraction_positive,
                calibration_word(c.mean_forecast[0], c.event_rate),
                f3(c.mean_forecast[0]),
                f3(c.event_rate),
                f4(iso.estimate),
                f4(iso.low),
                f4(iso.high),
                signed(sk_iso.skill.estimate),
                signed(sk_iso.skill.low),
                signed(sk_iso.skill.high),
            ));
        }
        for g in &scheme.goals {
            out.push(format!(
                "{}: goal \"{}\": {} ({}).",
                scheme.name,
                g.goal,
                if g.met { "met" } else { "MISSED" },
                g.measured
            ));
        }
    }
    if let Some(cv) = r.schemes.first() {
        let worst = cv
            .cells
            .iter()
            .map(|c| c.mc_difference.1)
            .fold(0.0, f64::max);
        let mean =
            cv.cells.iter().map(|c| c.mc_difference.0).sum::<f64>() / cv.cells.len().max(1) as f64;
        out.push(format!(
            "The f32 grid forecast and the Monte Carlo check ({}) of the same fits differ by {} on \
             average and at most {} in risk over the scored held-out strokes.",
            r.settings.monitor,
            f4(mean),
            f4(worst)
        ));
    }
    out
}

fn data_table(r: &ValidationReport, s: &mut String) {
    let _ = writeln!(
        s,
        "| series | recorded T (C) | model T (C) | strokes | clean strokes (COF <= {}) | onsets |\n|---|---|---|---|---|---|",
        r.settings.threshold
    );
    for d in &r.data {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} |",
            d.label, d.temperature.0, d.temperature.1, d.strokes, d.clean_strokes, d.onsets
        );
    }
}

fn scheme_tables(scheme: &SchemeReport, r: &ValidationReport, s: &mut String) {
    let _ = writeln!(s, "\n## {}\n", scheme.name);
    let _ = writeln!(s, "### Fits\n");
    let _ = writeln!(
        s,
        "| split | train strokes / transitions | held-out strokes / transitions | fit LL | held-out LL | held-out LL per transition | mu_L | mu_H | fit time (s) | flags |\n|---|---|---|---|---|---|---|---|---|---|"
    );
    for sp in &scheme.splits {
        let _ = writeln!(
            s,
            "| {} | {} / {} | {} / {} | {:.3} | {:.3} | {:.4} | {} | {} | {:.2} | {} |",
            sp.name,
            sp.train.0,
            sp.train.1,
            sp.test.0,
            sp.test.1,
            sp.fit_log_likelihood,
            sp.test_log_likelihood,
            sp.test_log_likelihood / sp.test.1.max(1) as f64,
            well(sp.params.get("mu_L")),
            well(sp.params.get("mu_H")),
            sp.fit_seconds,
            crate::fit::flags::join(&sp.flags)
        );
    }
    if scheme.splits.iter().any(|sp| sp.event_polish.is_some()) {
        let _ = writeln!(
            s,
            "\nEvent-objective polish of each maximum-likelihood fit (training strokes only; the fit LL \
             above is the polished one):\n\n| split | labelled strokes (events) | event loss: MLE -> polished | \
             training LL: MLE -> polished | L-BFGS iterations | seconds |\n|---|---|---|---|---|---|"
        );
        for sp in &scheme.splits {
            if let Some(e) = &sp.event_polish {
                let _ = writeln!(
                    s,
                    "| {} | {} ({}) | {:.3} -> {:.3} | {:.3} -> {:.3} | {} | {:.2} |",
                    sp.name,
                    e.strokes.0,
                    e.strokes.1,
                    e.event_loss.0,
                    e.event_loss.1,
                    e.log_likelihood.0,
                    e.log_likelihood.1,
                    e.iterations,
                    e.seconds
                );
            }
        }
    }
    let _ = writeln!(
        s,
        "\n### Brier scores (lower is better), 90% block-bootstrap intervals\n"
    );
    forecast_table_header(s, &scheme.cells);
    let _ = write!(s, "| scored strokes (events; censored) |");
    for c in &scheme.cells {
        let _ = write!(s, " {} ({}; {}) |", c.forecasts, c.events, c.censored);
    }
    let _ = writeln!(s);
    for m in METHODS {
        let _ = write!(s, "| {} |", method_label(m));
        for c in &scheme.cells {
            match brier_of(c, m) {
                Some(b) => {
                    let _ = write!(s, " {} [{}, {}] |", f4(b.estimate), f4(b.low), f4(b.high));
                }
                None => {
                    let _ = write!(s, " n/a |");
                }
            }
        }
        let _ = writeln!(s);
    }
    let _ = write!(s, "| best baseline |");
    for c in &scheme.cells {
        let _ = write!(s, " {} |", c.best_baseline);
    }
    let _ = writeln!(s);
    let _ = write!(s, "| mean forecast of the model / event rate |");
    for c in &scheme.cells {
        let _ = write!(s, " {} / {} |", f3(c.mean_forecast[0]), f3(c.event_rate));
    }
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "\n### Brier skill score against the best baseline (higher is better; > 0 beats it)\n"
    );
    forecast_table_header(s, &scheme.cells);
    for m in ["model", "model_mc", "model_isotonic", "model_platt"] {
        let _ = write!(s, "| {} |", method_label(m));
        for c in &scheme.cells {
            match skill_of(c, m) {
                Some(k) => {
                    let _ = write!(
                        s,
                        " {} [{}, {}], P(>0) {:.2} |",
                        signed(k.skill.estimate),
                        signed(k.skill.low),
                        signed(k.skill.high),
                        k.fraction_positive
                    );
                }
                None => {
                    let _ = write!(s, " n/a |");
                }
            }
        }
        let _ = writeln!(s);
    }
    let _ = writeln!(
        s,
        "\n### Brier score by recorded temperature (no intervals)\n"
    );
    for c in &scheme.cells {
        let _ = writeln!(
            s,
            "{}:\n\n| T (C) | scored | events | model | isotonic | persistence | base rate | COF alarm |\n|---|---|---|---|---|---|---|---|",
            cell_title(c)
        );
        for t in &c.by_temperature {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                t.recorded_temperature,
                t.forecasts,
                t.events,
                f4(t.brier[0]),
                f4(t.brier[2]),
                f4(t.brier[4]),
                f4(t.brier[5]),
                f4(t.brier[6])
            );
        }
        let _ = writeln!(s);
    }
    let _ = writeln!(
        s,
        "### Reliability (predicted vs observed frequency per risk bin)\n"
    );
    for c in &scheme.cells {
        for (name, bins) in &c.reliability {
            if *name != "model" && *name != "model_isotonic" {
                continue;
            }
            let _ = writeln!(
                s,
                "{}, {}:\n\n| risk bin | forecasts | events | mean predicted | observed frequency |\n|---|---|---|---|---|",
                cell_title(c),
                method_label(name)
            );
            for b in bins.iter().filter(|b| b.count > 0) {
                let _ = writeln!(
                    s,
                    "| [{:.1}, {:.1}{} | {} | {} | {} | {} |",
                    b.low,
                    b.high,
                    if b.high >= 1.0 { "]" } else { ")" },
                    b.count,
                    b.events,
                    f3(b.mean_predicted),
                    f3(b.observed_frequency)
                );
            }
            let _ = writeln!(s);
        }
    }
    operator_tables(scheme, r, s);
}

fn share(x: f64) -> String {
    format!("{:.1} %", 100.0 * x)
}

fn precision_text(p: Option<f64>) -> String {
    p.map_or("-".to_string(), |p| format!("{p:.2}"))
}

fn median_text(v: &[usize]) -> String {
    if v.is_empty() {
        return "-".to_string();
    }
    let mut v = v.to_vec();
    v.sort_unstable();
    v[v.len() / 2].to_string()
}

/// The chosen setting of a rule per split: its levels, or `c/v` for the curve envelope.
fn levels_text(rule: &super::operator::RuleReport) -> String {
    if rule.band_widths.is_empty() {
        rule.levels
            .iter()
            .map(|l| format!("{l:.2}"))
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        rule.band_widths
            .iter()
            .zip(&rule.levels)
            .map(|(c, v)| format!("{c}/{v:.2}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The operator table of a scheme: every rule per temperature, detection and hot die, the goals.
fn operator_tables(scheme: &SchemeReport, r: &ValidationReport, s: &mut String) {
    let op = &scheme.operator;
    let _ = writeln!(
        s,
        "### Operator figures (continuous out-of-fold replay, galling threshold {}, clean = COF < {})\n\n\
         Every series replayed from its first stroke to its last; each stroke scored with the package \
         of the split that held it out; every rule tuned on the training strokes to at most {:.1} \
         warnings per 100 clean strokes and {:.0} % of clean strokes under warning.\n",
        r.settings.threshold,
        crate::package::CLEAN_LIMIT,
        op.target.raises_per_100_clean,
        100.0 * op.target.clean_share
    );
    let _ = writeln!(
        s,
        "| rule | T (C) | strokes | warnings raised per 100 strokes | clean strokes under warning | precision (onset within {} strokes) | onsets warned >= 1 stroke ahead | lead times (strokes) | median lead | levels per split |\n|---|---|---|---|---|---|---|---|---|---|",
        crate::package::WARNING_WINDOW
    );
    for rule in &op.rules {
        for row in rule
            .by_temperature
            .iter()
            .chain(std::iter::once(&rule.total))
        {
            let t = if row.temperature.is_nan() {
                "all".to_string()
            } else {
                row.temperature.to_string()
            };
            let _ = writeln!(
                s,
                "| {} | {} | {} | {:.2} | {} | {} | {} of {} | {:?} | {} | {} |",
                rule.name,
                t,
                row.counts.strokes,
                row.raised_per_100,
                share(row.clean_share),
                precision_text(row.precision),
                row.counts.warned,
                row.counts.onsets,
                row.lead_times,
                median_text(&row.lead_times),
                if row.temperature.is_nan() {
                    levels_text(rule)
                } else {
                    String::new()
                }
            );
        }
    }
    let _ = writeln!(
        s,
        "\nFresh onsets (the {} strokes before all clean) warned >= 1 stroke ahead, all \
         temperatures: {}.",
        super::operator::FRESH_CLEAN_STROKES,
        op.rules
            .iter()
            .map(|r| format!("{} {} of {}", r.name, r.total.fresh.1, r.total.fresh.0))
            .collect::<Vec<_>>()
            .join("; ")
    );
    let _ = writeln!(
        s,
        "\nCurve envelope: per temperature and split, each clean training stroke's friction ratio \
         (force_y / force_z, clamped to [0, 2]) resampled onto {} bins of {} mm of sliding distance \
         from {} mm (the dwell before it left out; samples with a normal force below {} N left \
         out); per bin the band mean +- c standard deviations of the clean curves (bins with fewer \
         than {} curves not judged); a stroke warns when the share of its judged bins outside the \
         band reaches the level v. Levels column: `c/v` per split. Strokes without raw recordings \
         (no `strokes/` folder) never warn and are counted.",
        super::envelope::DistanceBins::STROKE.count,
        super::envelope::DistanceBins::STROKE.width,
        super::envelope::DistanceBins::STROKE.start,
        super::envelope::MIN_NORMAL_FORCE_N,
        super::envelope::MIN_CURVES_PER_BIN,
    );
    let _ = writeln!(
        s,
        "\n| T (C) | held-out strokes | clean | onsets | galling detected: delay per onset (strokes) | false detections per 1000 clean strokes | strokes flagged hot die | base rate (onset within {} strokes) |\n|---|---|---|---|---|---|---|---|",
        crate::package::WARNING_WINDOW
    );
    for d in &op.detection {
        let t = if d.temperature.is_nan() {
            "all".to_string()
        } else {
            d.temperature.to_string()
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {:?} | {:.2} | {} | {} |",
            t,
            d.strokes,
            d.clean,
            d.onsets,
            d.delays,
            d.false_per_1000_clean,
            share(d.hot_die_share),
            share(d.base_rate)
        );
    }
    let _ = writeln!(
        s,
        "\nGoals of the monitor issue on this scheme:\n\n| goal | measured | met |\n|---|---|---|"
    );
    for g in &scheme.goals {
        let _ = writeln!(
            s,
            "| {} | {} | {} |",
            g.goal,
            g.measured,
            if g.met { "yes" } else { "**no**" }
        );
    }
}

/// `validation.md`: settings, data, per scheme the fits, Brier and skill tables, reliability tables,
/// alarms, and the conclusions.
pub fn markdown(r: &ValidationReport) -> String {
    let mut s = String::new();
    let st = &r.settings;
    let _ = writeln!(
        s,
        "# Galling monitor: predictive validity on held-out real strokes\n\n\
         Written by `host-train validate` in {:.1} s (seed {}, {} folds, {} bootstrap resamples of \
         {}-stroke blocks). Every number below was measured by that command; rerun it to reproduce.\n",
        r.seconds, st.seed, st.folds, st.bootstrap.0, st.bootstrap.1
    );
    let _ = writeln!(s, "## Conclusions\n");
    for c in &r.conclusions {
        let _ = writeln!(s, "- {c}");
    }
    let _ = writeln!(
        s,
        "\n## What was predicted, and how it was scored\n\n\
         - **Event** of stroke i, horizon k: the COF of one of the strokes i+1 .. i+k is above **{}** \
         (the galling threshold: the same COF in the blob, `replay` and here; fixed so that the \
         event is a fact of the data and the same in every fold). Horizons: {:?}.\n\
         - **Censoring**: a stroke whose k-stroke future runs past the end of its held-out stretch \
         (a cross-validation block, or the end of the series) is not scored.\n\
         - **Subsets**: *all* scored strokes, and *clean* strokes (COF <= {} now), where predicting \
         the onset is what matters.\n\
         - **Model forecast**: the risk P(COF > threshold within k strokes) reported by the core \
         monitor replaying the held-out strokes ({}). Fits: {}; each fold is fitted on the other \
         folds only, their pieces as separate series so that no transition spans a held-out gap.\n\
         - **Baselines**, estimated on the training strokes of each split only: *persistence* (1 if \
         the COF is above the threshold now, else 0), *base rate* (event frequency per recorded \
         temperature and current state, clean or galled), *COF alarm* (1 if the COF is above a level \
         from 0.10 to 0.60 chosen to minimise the training Brier score).\n\
         - **Recalibration**: isotonic regression and Platt scaling of the risk, fitted on the \
         in-sample risks of the training strokes of each split (per horizon and subset), applied to \
         the held-out risks.\n\
         - **Brier skill score** = 1 - Brier / Brier(best baseline); the best baseline is the one \
         with the lowest held-out Brier score (chosen with hindsight, which favours the baselines).\n\
         - **Intervals**: 90% (5th to 95th percentile) of a block bootstrap: each series' strokes cut \
         into consecutive {}-stroke blocks, as many blocks drawn with replacement per series, {} \
         resamples; the skill's baseline is kept fixed and both are rescored on each resample.\n\
         - **Operator figures** (monitor horizon {}): an *onset* is a stroke above the threshold right \
         after one at or below it. An onset is *warned ahead* when the warning stood on the stroke \
         before; its *lead time* is the number of strokes since that warning was raised. A warning \
         is *true* when an onset follows within {} strokes (precision = true / raised). Galling \
         detection delay: strokes from an onset until galling is detected (0 = on the stroke).\n",
        st.threshold,
        st.horizons,
        st.threshold,
        st.monitor,
        st.fit,
        st.bootstrap.1,
        st.bootstrap.0,
        st.alarm_horizon,
        st.alarm_horizon
    );
    let _ = writeln!(s, "## Data\n");
    data_table(r, &mut s);
    for scheme in &r.schemes {
        scheme_tables(scheme, r, &mut s);
    }
    let _ = writeln!(
        s,
        "\nFigures: `reliability.png` / `.svg` (cross-validation reliability per horizon and subset), \
         `cv_replay.png` / `.svg` (the continuous out-of-fold replay: COF, risk, onsets and the three \
         signals)."
    );
    s
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
    render!(dir, "reliability", (560 * cols as u32, 1100), |root| draw(
        root, &cells, cols, &title
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
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 16, y)], colour.stroke_width(2))
                });
            chart.draw_series(pts.iter().map(|&(x, y, n)| {
                let radius = (2.0 + (n as f64).sqrt() * 0.6).min(14.0) as i32;
                Circle::new((x, y), radius, colour.mix(0.6).filled())
            }))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .label_font((FONT, 12))
            .draw()?;
    }
    Ok(())
}

/// A well position to four decimals, `-` for a variant without wells.
fn well(v: Option<f64>) -> String {
    v.map_or("-".to_string(), |v| format!("{v:.4}"))
}
