//! The monitor reproduces its golden vectors (`tests/golden/monitor_golden.rs`, written by
//! `cargo run --example monitor_golden --features std`) bit for bit; the firmware's on-target test
//! includes the same file.

use galling::alarm::{AlarmLevel, AlarmReason};
use galling::monitor::StrokeError;
use galling::{DefaultMonitor, Model, MonitorBuilder, V8Params};

include!("golden/monitor_golden.rs");

fn bits(x: Option<f32>) -> Option<u32> {
    x.map(f32::to_bits)
}

#[test]
fn monitor_reproduces_the_golden_vectors_bit_for_bit() {
    let model = Model::new(&V8Params::PUBLISHED_FIT).unwrap();
    let mut monitor: DefaultMonitor = MonitorBuilder::new(model).build_default().unwrap();
    let mut rejected = 0;
    let mut alarmed = false;
    for (i, g) in GOLDEN_STROKES.iter().enumerate() {
        let before = monitor.clone();
        let got = monitor.update(g.stroke, g.temperature, g.cof);
        match (got, g.expected) {
            (Ok(r), Ok(want)) => {
                let t = r.transition;
                assert_eq!(
                    bits(t.map(|t| t.log_prob)),
                    bits(want.log_prob),
                    "row {i} log_prob"
                );
                assert_eq!(
                    bits(t.map(|t| t.jump_posterior)),
                    bits(want.jump_posterior),
                    "row {i} jump_posterior"
                );
                assert_eq!(
                    r.stay_probability.to_bits(),
                    want.stay_probability.to_bits(),
                    "row {i} stay"
                );
                assert_eq!(
                    r.risk.probability.to_bits(),
                    want.risk.to_bits(),
                    "row {i} risk"
                );
                assert_eq!(
                    r.risk.expected_strokes.to_bits(),
                    want.expected_strokes.to_bits(),
                    "row {i} expected strokes"
                );
                assert_eq!(
                    (r.alarm.level, r.alarm.reason),
                    (want.level, want.reason),
                    "row {i} alarm"
                );
                alarmed |= r.alarm.level != AlarmLevel::Normal;
            }
            (Err(e), Err(want)) => {
                assert_eq!(e, want, "row {i}");
                assert_eq!(
                    monitor, before,
                    "row {i}: a rejected stroke changed the monitor"
                );
                rejected += 1;
            }
            (got, want) => panic!("row {i}: got {got:?}, golden {want:?}"),
        }
    }
    // The file exercises what it claims to: rejections and a galling alarm.
    assert_eq!(rejected, 3);
    assert!(alarmed);
    let _ = AlarmReason::Quiet;
    let _ = StrokeError::CofNotFinite;
}
