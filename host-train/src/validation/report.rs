//! The human-readable side of a validation: `validation.md`, its plain-language conclusions and
//! the reliability figure.

use super::{CellReport, METHODS, SchemeReport, ValidationReport};
use crate::table::Table;
use std::fmt::Write as _;

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

/// The name of a forecast method in the report and its figures.
pub(crate) fn method_label(m: &str) -> &'static str {
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

/// A table with one column per horizon/subset cell after the row label.
fn forecast_table(cells: &[CellReport]) -> Table {
    Table::new(std::iter::once("forecast".to_string()).chain(cells.iter().map(cell_title)))
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
    let mut t = Table::new([
        "series".to_string(),
        "recorded T (C)".into(),
        "model T (C)".into(),
        "strokes".into(),
        format!("clean strokes (COF <= {})", r.settings.threshold),
        "onsets".into(),
    ]);
    for d in &r.data {
        t.row([
            d.label.to_string(),
            d.temperature.0.to_string(),
            d.temperature.1.to_string(),
            d.strokes.to_string(),
            d.clean_strokes.to_string(),
            d.onsets.to_string(),
        ]);
    }
    s.push_str(&t.markdown());
}

fn scheme_tables(scheme: &SchemeReport, r: &ValidationReport, s: &mut String) {
    let _ = writeln!(s, "\n## {}\n", scheme.name);
    s.push_str("### Fits\n\n");
    let mut fits = Table::new([
        "split",
        "train strokes / transitions",
        "held-out strokes / transitions",
        "fit LL",
        "held-out LL",
        "held-out LL per transition",
        "mu_L",
        "mu_H",
        "fit time (s)",
        "flags",
    ]);
    for sp in &scheme.splits {
        fits.row([
            sp.name.to_string(),
            format!("{} / {}", sp.train.0, sp.train.1),
            format!("{} / {}", sp.test.0, sp.test.1),
            format!("{:.3}", sp.fit_log_likelihood),
            format!("{:.3}", sp.test_log_likelihood),
            format!("{:.4}", sp.test_log_likelihood / sp.test.1.max(1) as f64),
            well(sp.params.get("mu_L")),
            well(sp.params.get("mu_H")),
            format!("{:.2}", sp.fit_seconds),
            crate::fit::flags::join(&sp.flags),
        ]);
    }
    s.push_str(&fits.markdown());
    if scheme.splits.iter().any(|sp| sp.event_polish.is_some()) {
        s.push_str(
            "\nEvent-objective polish of each maximum-likelihood fit (training strokes only; the fit \
             LL above is the polished one):\n\n",
        );
        let mut polish = Table::new([
            "split",
            "labelled strokes (events)",
            "event loss: MLE -> polished",
            "training LL: MLE -> polished",
            "L-BFGS iterations",
            "seconds",
        ]);
        for sp in &scheme.splits {
            if let Some(e) = &sp.event_polish {
                polish.row([
                    sp.name.to_string(),
                    format!("{} ({})", e.strokes.0, e.strokes.1),
                    format!("{:.3} -> {:.3}", e.event_loss.0, e.event_loss.1),
                    format!("{:.3} -> {:.3}", e.log_likelihood.0, e.log_likelihood.1),
                    e.iterations.to_string(),
                    format!("{:.2}", e.seconds),
                ]);
            }
        }
        s.push_str(&polish.markdown());
    }
    s.push_str("\n### Brier scores (lower is better), 90% block-bootstrap intervals\n\n");
    let mut brier = forecast_table(&scheme.cells);
    brier.row(
        std::iter::once("scored strokes (events; censored)".to_string()).chain(
            scheme
                .cells
                .iter()
                .map(|c| format!("{} ({}; {})", c.forecasts, c.events, c.censored)),
        ),
    );
    for m in METHODS {
        brier.row(
            std::iter::once(method_label(m).to_string()).chain(scheme.cells.iter().map(|c| {
                brier_of(c, m).map_or("n/a".to_string(), |b| {
                    format!("{} [{}, {}]", f4(b.estimate), f4(b.low), f4(b.high))
                })
            })),
        );
    }
    brier.row(
        std::iter::once("best baseline".to_string())
            .chain(scheme.cells.iter().map(|c| c.best_baseline.to_string())),
    );
    brier.row(
        std::iter::once("mean forecast of the model / event rate".to_string()).chain(
            scheme
                .cells
                .iter()
                .map(|c| format!("{} / {}", f3(c.mean_forecast[0]), f3(c.event_rate))),
        ),
    );
    s.push_str(&brier.markdown());
    s.push_str(
        "\n### Brier skill score against the best baseline (higher is better; > 0 beats it)\n\n",
    );
    let mut skill = forecast_table(&scheme.cells);
    for m in ["model", "model_mc", "model_isotonic", "model_platt"] {
        skill.row(
            std::iter::once(method_label(m).to_string()).chain(scheme.cells.iter().map(|c| {
                skill_of(c, m).map_or("n/a".to_string(), |k| {
                    format!(
                        "{} [{}, {}], P(>0) {:.2}",
                        signed(k.skill.estimate),
                        signed(k.skill.low),
                        signed(k.skill.high),
                        k.fraction_positive
                    )
                })
            })),
        );
    }
    s.push_str(&skill.markdown());
    s.push_str("\n### Brier score by recorded temperature (no intervals)\n\n");
    for c in &scheme.cells {
        let _ = writeln!(s, "{}:\n", cell_title(c));
        let mut t = Table::new([
            "T (C)",
            "scored",
            "events",
            "model",
            "isotonic",
            "persistence",
            "base rate",
            "COF alarm",
        ]);
        for row in &c.by_temperature {
            t.row([
                row.recorded_temperature.to_string(),
                row.forecasts.to_string(),
                row.events.to_string(),
                f4(row.brier[0]),
                f4(row.brier[2]),
                f4(row.brier[4]),
                f4(row.brier[5]),
                f4(row.brier[6]),
            ]);
        }
        s.push_str(&t.markdown());
        s.push('\n');
    }
    s.push_str("### Reliability (predicted vs observed frequency per risk bin)\n\n");
    for c in &scheme.cells {
        for (name, bins) in &c.reliability {
            if *name != "model" && *name != "model_isotonic" {
                continue;
            }
            let _ = writeln!(s, "{}, {}:\n", cell_title(c), method_label(name));
            let mut t = Table::new([
                "risk bin",
                "forecasts",
                "events",
                "mean predicted",
                "observed frequency",
            ]);
            for b in bins.iter().filter(|b| b.count > 0) {
                t.row([
                    format!(
                        "[{:.1}, {:.1}{}",
                        b.low,
                        b.high,
                        if b.high >= 1.0 { "]" } else { ")" }
                    ),
                    b.count.to_string(),
                    b.events.to_string(),
                    f3(b.mean_predicted),
                    f3(b.observed_frequency),
                ]);
            }
            s.push_str(&t.markdown());
            s.push('\n');
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
    let v: Vec<f64> = v.iter().map(|&x| x as f64).collect();
    crate::stats::median(&v).to_string()
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
    let mut rules = Table::new([
        "rule".to_string(),
        "T (C)".into(),
        "strokes".into(),
        "warnings raised per 100 strokes".into(),
        "clean strokes under warning".into(),
        format!(
            "precision (onset within {} strokes)",
            crate::package::WARNING_WINDOW
        ),
        "onsets warned >= 1 stroke ahead".into(),
        "lead times (strokes)".into(),
        "median lead".into(),
        "levels per split".into(),
    ]);
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
            rules.row([
                rule.name.to_string(),
                t,
                row.counts.strokes.to_string(),
                format!("{:.2}", row.raised_per_100),
                share(row.clean_share),
                precision_text(row.precision),
                format!("{} of {}", row.counts.warned, row.counts.onsets),
                format!("{:?}", row.lead_times),
                median_text(&row.lead_times),
                if row.temperature.is_nan() {
                    levels_text(rule)
                } else {
                    String::new()
                },
            ]);
        }
    }
    s.push_str(&rules.markdown());
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
    let mut detection = Table::new([
        "T (C)".to_string(),
        "held-out strokes".into(),
        "clean".into(),
        "onsets".into(),
        "galling detected: delay per onset (strokes)".into(),
        "false detections per 1000 clean strokes".into(),
        "strokes flagged hot die".into(),
        format!(
            "base rate (onset within {} strokes)",
            crate::package::WARNING_WINDOW
        ),
    ]);
    for d in &op.detection {
        let t = if d.temperature.is_nan() {
            "all".to_string()
        } else {
            d.temperature.to_string()
        };
        detection.row([
            t,
            d.strokes.to_string(),
            d.clean.to_string(),
            d.onsets.to_string(),
            format!("{:?}", d.delays),
            format!("{:.2}", d.false_per_1000_clean),
            share(d.hot_die_share),
            share(d.base_rate),
        ]);
    }
    s.push('\n');
    s.push_str(&detection.markdown());
    s.push_str("\nGoals of the monitor issue on this scheme:\n\n");
    let mut goals = Table::new(["goal", "measured", "met"]);
    for g in &scheme.goals {
        goals.row([
            g.goal.to_string(),
            g.measured.to_string(),
            if g.met { "yes" } else { "**no**" }.to_string(),
        ]);
    }
    s.push_str(&goals.markdown());
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

/// A well position to four decimals, `-` for a variant without wells.
fn well(v: Option<f64>) -> String {
    v.map_or("-".to_string(), |v| format!("{v:.4}"))
}
