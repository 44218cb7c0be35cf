//! Update sequences into the monitor running the shipped blob: 12-byte strokes (counter,
//! temperature, COF as raw bits: NaN, infinities, out-of-range values, counter jumps). Never a
//! panic; a rejected stroke leaves the monitor state unchanged; an accepted one gives a risk in
//! [0, 1], no fault, and galling detected whenever the COF is above the threshold.
#![no_main]

use galling::blob::PackageView;
use galling::monitor::MonitorState;
use libfuzzer_sys::fuzz_target;

/// Strokes per input.
const MAX_STROKES: usize = 32;

static BLOB: &[u8] = include_bytes!("../../../firmware-example/blob/published_fit.glng");

fn f32_at(b: &[u8], i: usize) -> f32 {
    f32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

/// The shipped blob, checked once per process and read in place.
fn package() -> PackageView<'static> {
    static VIEW: std::sync::OnceLock<PackageView<'static>> = std::sync::OnceLock::new();
    *VIEW.get_or_init(|| PackageView::new(BLOB).expect("the shipped blob decodes"))
}

fuzz_target!(|data: &[u8]| {
    let package = package();
    let mut state = MonitorState::new();
    let threshold = package.table().threshold();
    for stroke in data.chunks_exact(12).take(MAX_STROKES) {
        let n = u32::from_le_bytes([stroke[0], stroke[1], stroke[2], stroke[3]]);
        let (t, cof) = (f32_at(stroke, 4), f32_at(stroke, 8));
        let before = state;
        match package.update(&mut state, n, t, cof) {
            Ok(r) => {
                assert!((0.0..=1.0).contains(&r.risk) && r.fault.is_none(), "{r:?}");
                assert!(!(cof > threshold) || r.galling.active, "{r:?}");
            }
            Err(_) => assert!(state == before, "a rejected stroke changed the state"),
        }
        if n % 7 == 0 {
            state.restart_series();
        }
    }
});
