//! The monitor reproduces its golden vectors (`tests/golden/monitor_golden.rs`, written by
//! `cargo xtask generate` (`host-train/xtask/src/monitor_golden.rs`) together with the blob
//! `firmware-example/blob/published_fit.glng`) bit for bit; the firmware's on-target test includes the
//! same two files.

use galling::StrokeReport;
use galling::blob::PackageView;
use galling::monitor::{Monitor, UpdateError};

include!("../golden/monitor_golden.rs");

const BLOB: &[u8] = include_bytes!("../../firmware-example/blob/published_fit.glng");

fn bits(x: Option<f32>) -> Option<u32> {
    x.map(f32::to_bits)
}

fn same(r: &StrokeReport, want: &GoldenReport) -> bool {
    let t = r.transition;
    bits(t.map(|t| t.log_prob)) == bits(want.log_prob)
        && bits(t.map(|t| t.jump_posterior)) == bits(want.jump_posterior)
        && r.model_temperature.to_bits() == want.model_temperature.to_bits()
        && r.risk.to_bits() == want.risk.to_bits()
        && r.excess.to_bits() == want.excess.to_bits()
        && r.hot_die.hazard.risk.to_bits() == want.hazard.to_bits()
        && r.hot_die.hazard.expected_strokes.to_bits() == want.expected_strokes.to_bits()
        && r.hot_die.active == want.hot_die
        && r.onset_warning.active == want.onset_warning
        && r.galling.active == want.galling
}

#[test]
fn monitor_reproduces_the_golden_vectors_bit_for_bit() {
    let mut monitor = Monitor::new(PackageView::new(BLOB).unwrap());
    let (mut rejected, mut warned, mut galled, mut hot, mut cold) = (0, false, false, false, false);
    for (i, g) in GOLDEN_STROKES.iter().enumerate() {
        let before = monitor;
        match (monitor.update(g.stroke, g.temperature, g.cof), g.expected) {
            (Ok(r), Ok(want)) => {
                assert!(same(&r, &want), "row {i}: got {r:?}, golden {want:?}");
                warned |= r.onset_warning.active;
                galled |= r.galling.active;
                hot |= r.hot_die.active;
                cold |= g.temperature < 160.0 && !r.hot_die.active && !r.onset_warning.active;
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
    // The file exercises what it claims to: rejections, all three signals, a cold die left quiet.
    assert_eq!(rejected, 3);
    assert!(warned && galled && hot && cold);
    let _ = UpdateError::CofNotFinite;
}
