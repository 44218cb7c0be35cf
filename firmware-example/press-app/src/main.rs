//! The interrupt-driven press controller (RTIC 2, STM32F4):
//!
//! - `sample` (TIM2 update interrupt, priority 2, 10 kHz on a board at the reset clock): reads one
//!   raw force/position sample and feeds it to the core's `StrokeFeatureExtractor` (the shipped
//!   averager's window mean and std, plus the stroke features a precursor blob uses; its settings
//!   come from the blob); at the end of a stroke it finishes the stroke and pushes its features
//!   into a `heapless::spsc` queue, then pends the monitor task. Bounded and short: no monitor work
//!   happens here.
//! - `monitor` (EXTI1, priority 1, pended by `sample`): drains the queue, runs the monitor
//!   (`PackageView::update_with_features` on the monitor state, a small static of this task: a V8-P
//!   blob takes the stroke's features, the other variants its window mean; tens of thousands of
//!   instructions, preempted by `sample` whenever a sample is due), drives the press-stop output
//!   (PD14) and the warning output (PD13) from the report's signals, and logs the report with
//!   defmt.
//! - `idle`: sleeps (`wfi`).
//!
//! The sample source is a replay file (`GALLING_REPLAY` at build time: `../replay/strokes.bin`,
//! raw samples synthesised from the demo data, by default; the precursor replay, 44 real strokes
//! generated from `../shared/galling-data` by `cargo xtask precursor-replay --out FILE`, never
//! checked in, with `GALLING_BLOB=../blob/v8_precursor_fit.glng`): a board without a press replays it through the same
//! interrupt path. On a press, the sample task reads the ADC and the encoder instead of
//! `replay::sample`. Every stroke's features and report are compared bit for bit with what the
//! host computed, the instruction counts (QEMU; cycles on a board) and stack use of both tasks are
//! measured, and after the last stroke the figures and the verdict are logged; QEMU then exits with
//! the status (0: all bit-identical), a board parks (`stop`).
//!
//! The blob comes from the A/B slots (`blob_store`): at boot the committed slot with the highest
//! sequence number whose blob checks, viewed in place in flash (`PackageView<'static>`, nothing
//! copied); none: the press-stop output is set and the program stops.
#![no_std]
#![no_main]

use galling_press_app as _;

#[rtic::app(device = stm32f4::stm32f407, peripherals = true)]
mod app {
    use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use galling::averager::StrokeError;
    use galling::blob::PackageView;
    use galling::features::{StrokeFeatureExtractor, StrokeFeatures};
    use galling::monitor::{MonitorState, UpdateError};
    use galling_press_app::blob_store;
    use galling_press_app::replay::{self, Expected, SAMPLE_COUNT, STROKES};
    use galling_press_app::report::{self, GallingReport};
    use galling_press_app::{ExitCode, Outputs, SLOT_SIZE, counter, slots_region, stack, stop};
    use heapless::spsc::{Consumer, Producer, Queue};
    use rtic::Mutex;
    use stm32f4::stm32f407::{self as pac, Interrupt};

    /// Strokes the queue holds (capacity is one less than the type parameter).
    const QUEUE: usize = 8;
    /// TIM2 reload: the timer clock divided by 1,600 (10 kHz from the 16 MHz reset clock of an
    /// STM32F407; one sample every 1,600 instructions under QEMU, whose timer clock is 1 GHz of
    /// virtual time, one instruction per nanosecond with `-icount shift=0`).
    const SAMPLE_RELOAD: u32 = 1_600 - 1;
    /// Press-stop output pin (port D).
    const PRESS_STOP_PIN: u32 = 14;
    /// Warning output pin (port D).
    const WARNING_PIN: u32 = 13;

    /// What the sampling interrupt hands to the monitor task.
    pub struct FinishedStroke {
        stroke: u32,
        temperature: f32,
        new_series: bool,
        features: Result<StrokeFeatures<f32>, StrokeError>,
        refused_samples: u32,
    }

    /// Worst cases seen by the tasks (instructions under QEMU, cycles on a board; stack bytes).
    #[derive(Default)]
    pub struct Sizing {
        sample_max: u32,
        sample_stroke_end_max: u32,
        sample_stack: usize,
        sample_stack_from_idle: usize,
        monitor_max: u32,
        monitor_with_log_max: u32,
        monitor_stack: usize,
        monitor_stack_from_idle: usize,
        /// Deepest stack use from the top of the stack seen by either task's own painting (which
        /// repaints the area the whole-run painting of `init` would otherwise measure).
        deepest: usize,
        overruns: u32,
    }

    #[shared]
    struct Shared {
        /// Instructions spent in `sample` so far (so `monitor` can subtract its preemptions), and
        /// the sizing figures.
        sizing: Sizing,
        sample_total: u32,
    }

    #[local]
    struct Local {
        tim2: pac::TIM2,
        gpiod: pac::GPIOD,
        producer: Producer<'static, FinishedStroke>,
        consumer: Consumer<'static, FinishedStroke>,
        extractor: StrokeFeatureExtractor<f32>,
        cursor: usize,
        stroke: usize,
        refused: u32,
        package: PackageView<'static>,
        checked: usize,
        failures: u32,
    }

    #[init(local = [queue: Queue<FinishedStroke, QUEUE> = Queue::new()])]
    fn init(cx: init::Context) -> (Shared, Local) {
        stack::paint();
        let dp = cx.device;

        // Outputs first, in the safe state (press stopped) until the monitor has a valid blob.
        dp.RCC.ahb1enr().modify(|_, w| w.gpioden().set_bit());
        dp.GPIOD.moder().modify(|r, w| unsafe {
            let mask = (3 << (2 * PRESS_STOP_PIN)) | (3 << (2 * WARNING_PIN));
            let out = (1 << (2 * PRESS_STOP_PIN)) | (1 << (2 * WARNING_PIN));
            w.bits((r.bits() & !mask) | out)
        });
        drive(
            &dp.GPIOD,
            Outputs {
                press_stop: true,
                warning: false,
            },
        );

        // The blob is checked once and then read in place from its flash slot.
        let Some(active) = blob_store::active_in(slots_region(), SLOT_SIZE) else {
            defmt::error!("PRESS MUST NOT RUN: no blob slot holds a valid blob");
            stop(ExitCode::BlobRefused)
        };
        let (slot, sequence, package) = (active.slot, active.sequence, active.package);
        if package.id() != replay::BLOB_ID {
            defmt::error!(
                "the replay's results were computed with blob {=u32:#x}, the active blob is {=u32:#x} (GALLING_BLOB and GALLING_REPLAY must match)",
                replay::BLOB_ID,
                package.id()
            );
            stop(ExitCode::BlobRefused)
        }
        // The extractor's settings are part of the blob (a precursor blob's; the defaults else),
        // validated by the blob's check.
        let settings = package
            .features()
            .map_or(galling::features::FeatureSettings::DEFAULT, |f| f.extractor);
        let Ok(extractor) = StrokeFeatureExtractor::new(settings) else {
            defmt::error!("PRESS MUST NOT RUN: the blob's feature settings are invalid");
            stop(ExitCode::BlobRefused)
        };
        defmt::println!(
            "blob slot {} (sequence {=u32}, model {}, id {=u32:#x}) active in place; replaying {=usize} strokes, {=usize} samples",
            slot,
            sequence,
            package.params().model(),
            package.id(),
            STROKES.len(),
            SAMPLE_COUNT
        );
        drive(
            &dp.GPIOD,
            Outputs {
                press_stop: false,
                warning: false,
            },
        );

        counter::start(&dp.TIM5, &dp.RCC);
        // TIM2: update interrupt every SAMPLE_RELOAD + 1 timer clocks.
        dp.RCC.apb1enr().modify(|_, w| w.tim2en().set_bit());
        dp.TIM2.psc().write(|w| unsafe { w.bits(0) });
        dp.TIM2.arr().write(|w| unsafe { w.bits(SAMPLE_RELOAD) });
        dp.TIM2.egr().write(|w| w.ug().set_bit());
        dp.TIM2.sr().write(|w| unsafe { w.bits(0) });
        dp.TIM2.dier().modify(|_, w| w.uie().set_bit());
        dp.TIM2.cr1().modify(|_, w| w.cen().set_bit());

        let (producer, consumer) = cx.local.queue.split();
        (
            Shared {
                sizing: Sizing::default(),
                sample_total: 0,
            },
            Local {
                tim2: dp.TIM2,
                gpiod: dp.GPIOD,
                producer,
                consumer,
                extractor,
                cursor: 0,
                stroke: 0,
                refused: 0,
                package,
                checked: 0,
                failures: 0,
            },
        )
    }

    /// Stack pointer of `idle` (what the tasks interrupt when the monitor is not running).
    static IDLE_SP: AtomicUsize = AtomicUsize::new(0);
    /// The monitor task is between its first and last statement.
    static MONITOR_BUSY: AtomicBool = AtomicBool::new(false);

    #[idle]
    fn idle(_: idle::Context) -> ! {
        IDLE_SP.store(cortex_m::register::msp::read() as usize, Ordering::Relaxed);
        loop {
            cortex_m::asm::wfi();
        }
    }

    /// Sets the two outputs (BSRR: set and reset in one write, no read-modify-write).
    fn drive(gpiod: &pac::GPIOD, o: Outputs) {
        let bit = |pin: u32, on: bool| if on { 1 << pin } else { 1 << (pin + 16) };
        gpiod.bsrr().write(|w| unsafe {
            w.bits(bit(PRESS_STOP_PIN, o.press_stop) | bit(WARNING_PIN, o.warning))
        });
    }

    /// Bytes of stack painted below the sampling interrupt's stack pointer to measure its use.
    const SAMPLE_PAINT: usize = 384;

    #[task(binds = TIM2, priority = 2, shared = [sizing, sample_total], local = [tim2, producer, extractor, cursor, stroke, refused])]
    fn sample(mut cx: sample::Context) {
        let sp = stack::paint_below(SAMPLE_PAINT);
        let t0 = counter::now();
        cx.local.tim2.sr().write(|w| unsafe { w.bits(0) });
        let Some(s) = replay::sample(*cx.local.cursor) else {
            // recording done: no more samples
            cx.local.tim2.dier().modify(|_, w| w.uie().clear_bit());
            return;
        };
        *cx.local.cursor += 1;
        if cx
            .local
            .extractor
            .push_forces(s.force_y, s.force_z, s.position)
            .is_err()
        {
            *cx.local.refused += 1;
        }
        let n = *cx.local.stroke;
        let stroke_end = STROKES
            .get(n)
            .is_some_and(|st| *cx.local.cursor == st.first + st.len);
        if stroke_end {
            let st = &STROKES[n];
            let done = FinishedStroke {
                stroke: n as u32,
                temperature: st.temperature,
                new_series: st.new_series,
                features: cx.local.extractor.finish(),
                refused_samples: core::mem::take(cx.local.refused),
            };
            *cx.local.stroke += 1;
            let overrun = cx.local.producer.enqueue(done).is_err();
            rtic::pend(Interrupt::EXTI1);
            let dt = counter::now().wrapping_sub(t0);
            cx.shared.sizing.lock(|z| {
                z.sample_stroke_end_max = z.sample_stroke_end_max.max(dt);
                z.overruns += u32::from(overrun);
            });
        } else {
            let dt = counter::now().wrapping_sub(t0);
            cx.shared
                .sizing
                .lock(|z| z.sample_max = z.sample_max.max(dt));
        }
        let dt = counter::now().wrapping_sub(t0);
        cx.shared.sample_total.lock(|t| *t = t.wrapping_add(dt));
        let used = stack::used_below(sp, SAMPLE_PAINT);
        let idle_sp = IDLE_SP.load(Ordering::Relaxed);
        let from_idle = if idle_sp != 0 && !MONITOR_BUSY.load(Ordering::Relaxed) {
            idle_sp - sp + used
        } else {
            0
        };
        cx.shared.sizing.lock(|z| {
            z.sample_stack = z.sample_stack.max(used);
            z.sample_stack_from_idle = z.sample_stack_from_idle.max(from_idle);
            z.deepest = z.deepest.max(stack::top() - (sp - used));
        });
    }

    /// Bytes of stack painted below the monitor task's stack pointer to measure its use.
    const MONITOR_PAINT: usize = 4096;

    #[task(binds = EXTI1, priority = 1, shared = [sizing, sample_total], local = [gpiod, consumer, package, checked, failures, state: MonitorState = MonitorState::new()])]
    fn monitor(mut cx: monitor::Context) {
        while let Some(done) = cx.local.consumer.dequeue() {
            let sp = stack::paint_below(MONITOR_PAINT);
            let isr_before = cx.shared.sample_total.lock(|t| *t);
            let t0 = counter::now();
            let outcome = process(cx.local.package, cx.local.state, &done);
            let elapsed = counter::now().wrapping_sub(t0);
            let isr = cx.shared.sample_total.lock(|t| *t).wrapping_sub(isr_before);
            let own = elapsed.wrapping_sub(isr);
            let idle_sp = IDLE_SP.load(Ordering::Relaxed);
            match &outcome {
                Ok((report, restarted)) => {
                    let out = Outputs::from_report(report);
                    drive(cx.local.gpiod, out);
                    defmt::println!(
                        "stroke {=u32}: T {=f32} C, COF {=f32} ({=u32} samples, {=u32} refused){=str}, risk {=f32}, excess {=f32}, hot_die {=u8} (hazard {=f32}, {=f32} strokes, advised <= {=f32} C), onset_warning {=u8}, galling_detected {=u8} -> {}",
                        report.stroke,
                        done.temperature,
                        done.features.as_ref().map_or(f32::NAN, |s| s.mean),
                        done.features.as_ref().map_or(0, |s| s.samples),
                        done.refused_samples,
                        if *restarted { ", new series" } else { "" },
                        report.risk,
                        report.excess,
                        report.hot_die,
                        report.hazard,
                        report.expected_strokes,
                        report.advised_max_temperature,
                        report.onset_warning,
                        report.galling_detected,
                        out
                    );
                }
                Err(e) => defmt::warn!(
                    "stroke {=u32}: no average ({=u32} samples refused): {}",
                    done.stroke,
                    done.refused_samples,
                    e
                ),
            }
            let elapsed = counter::now().wrapping_sub(t0);
            let isr = cx.shared.sample_total.lock(|t| *t).wrapping_sub(isr_before);
            let with_log = elapsed.wrapping_sub(isr);
            let used = stack::used_below(sp, MONITOR_PAINT);
            cx.shared.sizing.lock(|z| {
                z.monitor_max = z.monitor_max.max(own);
                z.monitor_with_log_max = z.monitor_with_log_max.max(with_log);
                z.monitor_stack = z.monitor_stack.max(used);
                z.deepest = z.deepest.max(stack::top() - (sp - used));
                if idle_sp != 0 {
                    z.monitor_stack_from_idle = z.monitor_stack_from_idle.max(idle_sp - sp + used);
                }
            });
            check(&done, &outcome, cx.local.checked, cx.local.failures);
        }
        MONITOR_BUSY.store(false, Ordering::Relaxed);
        if *cx.local.checked == STROKES.len() {
            let failures = *cx.local.failures;
            finish(&mut cx, failures);
        }
    }

    /// The monitor task's work for one finished stroke: the report and whether the series was
    /// restarted (die change, or a gap in the stroke counter after a stroke without features).
    fn process(
        package: &PackageView<'static>,
        state: &mut MonitorState,
        done: &FinishedStroke,
    ) -> Result<(GallingReport, bool), StrokeError> {
        let features = done.features?;
        let mut restarted = done.new_series;
        if done.new_series {
            state.restart_series();
        }
        let report =
            match package.update_with_features(state, done.stroke, done.temperature, &features) {
                Ok(r) => r,
                Err(UpdateError::NotConsecutive { .. }) => {
                    state.restart_series();
                    restarted = true;
                    match package.update_with_features(
                        state,
                        done.stroke,
                        done.temperature,
                        &features,
                    ) {
                        Ok(r) => r,
                        Err(e) => return Ok((refused_report(done.stroke, e), restarted)),
                    }
                }
                Err(e) => return Ok((refused_report(done.stroke, e), restarted)),
            };
        Ok((report::from_report(&report), restarted))
    }

    /// A stroke the monitor refused: logged, and the press is stopped (the inputs are out of what
    /// the monitor can judge).
    fn refused_report(stroke: u32, e: UpdateError) -> GallingReport {
        defmt::error!("stroke {=u32} refused by the monitor: {}", stroke, e);
        GallingReport {
            stroke,
            press_must_stop: 1,
            ..GallingReport::EMPTY
        }
    }

    /// Compares one stroke with the host's golden result, bit for bit.
    fn check(
        done: &FinishedStroke,
        outcome: &Result<(GallingReport, bool), StrokeError>,
        checked: &mut usize,
        failures: &mut u32,
    ) {
        let expected = galling_press_app::replay::EXPECTED.get(done.stroke as usize);
        let ok = match (expected, outcome, &done.features) {
            (Some(Expected::TooFewSamples), Err(_), Err(_)) => true,
            (
                Some(Expected::Report {
                    mean,
                    std,
                    samples,
                    restarted,
                    stroke,
                    risk,
                    excess,
                    expected_strokes,
                    log_prob,
                    hot_die,
                    onset_warning,
                    galling_detected,
                    press_must_stop,
                    fault,
                    features,
                }),
                Ok((r, rs)),
                Ok(s),
            ) => {
                s.breakaway_peak.to_bits() == features.breakaway_peak
                    && s.run_in_high_share.to_bits() == features.run_in_high_share
                    && s.exit_peak.to_bits() == features.exit_peak
                    && s.run_in_samples == features.run_in_samples
                    && s.exit_samples == features.exit_samples
                    && s.mean.to_bits() == *mean
                    && s.std.to_bits() == *std
                    && s.samples == *samples
                    && rs == restarted
                    && r.stroke == *stroke
                    && r.risk.to_bits() == *risk
                    && r.excess.to_bits() == *excess
                    && r.expected_strokes.to_bits() == *expected_strokes
                    && r.log_prob.to_bits() == *log_prob
                    && r.hot_die == *hot_die
                    && r.onset_warning == *onset_warning
                    && r.galling_detected == *galling_detected
                    && r.press_must_stop == *press_must_stop
                    && r.fault == *fault
            }
            _ => false,
        };
        if !ok {
            defmt::error!(
                "stroke {=u32}: MISMATCH with the host's golden result",
                done.stroke
            );
            *failures += 1;
        }
        *checked += 1;
    }

    /// End of the replay under QEMU: the sizing figures and the verdict.
    fn finish(cx: &mut monitor::Context, failures: u32) {
        cx.shared.sizing.lock(|z| {
            defmt::println!(
                "sizing: sample interrupt body max {=u32} instructions ({=u32} at a stroke end); stack {=usize} bytes below the idle stack pointer (exception frame included), {=usize} below the body's",
                z.sample_max,
                z.sample_stroke_end_max,
                z.sample_stack_from_idle,
                z.sample_stack
            );
            defmt::println!(
                "sizing: monitor task max {=u32} instructions per stroke for the stroke ({=u32} with outputs and log), sample interrupts excluded; stack {=usize} bytes below the idle stack pointer, {=usize} below the task body's (sample interrupts nested in it included)",
                z.monitor_max,
                z.monitor_with_log_max,
                z.monitor_stack_from_idle,
                z.monitor_stack
            );
            defmt::println!(
                "sizing: stack high-water mark {=usize} bytes of {=usize}; queue overruns {=u32}",
                stack::high_water_mark().max(z.deepest),
                stack::capacity(),
                z.overruns
            );
            let verdict = if failures == 0 && z.overruns == 0 {
                ExitCode::Success
            } else {
                ExitCode::Failed
            };
            defmt::println!(
                "replayed {=usize} strokes through the interrupt path: {=usize} bit-identical to the host, {=u32} mismatched",
                STROKES.len(),
                STROKES.len() - failures as usize,
                failures
            );
            stop(verdict)
        });
    }
}
