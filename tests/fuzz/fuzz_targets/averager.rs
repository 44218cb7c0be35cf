//! Sample streams into the stroke averager: 13-byte samples (force_y, force_z as f32 bits,
//! position as i32, and a byte whose low bit ends the stroke). Never a panic; a finished stroke's
//! mean lies in [0, 2] (the COF clamp) and its std is finite and non-negative.
#![no_main]

use galling::averager::{StrokeAverager, StrokeWindow};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // a small window in counts, so short inputs reach it; the default window when the first byte is even
    let window = match data.first() {
        Some(b) if b & 1 == 1 => StrokeWindow { start: 1, end: 64 },
        _ => StrokeWindow::default(),
    };
    let mut avg = StrokeAverager::<f32>::new(window);
    for s in data.get(1..).unwrap_or_default().chunks_exact(13) {
        let fy = f32::from_le_bytes([s[0], s[1], s[2], s[3]]);
        let fz = f32::from_le_bytes([s[4], s[5], s[6], s[7]]);
        let x = i32::from_le_bytes([s[8], s[9], s[10], s[11]]);
        let before = avg;
        if avg.push_forces(fy, fz, x).is_err() {
            assert!(avg == before, "a refused sample changed the averager");
        }
        if s[12] & 1 == 1 {
            if let Ok(stroke) = avg.finish() {
                assert!((0.0..=2.0).contains(&stroke.mean), "{stroke:?}");
                assert!(stroke.std.is_finite() && stroke.std >= 0.0, "{stroke:?}");
                assert!(stroke.samples >= 2);
            }
        }
    }
    let _ = avg.finish();
});
