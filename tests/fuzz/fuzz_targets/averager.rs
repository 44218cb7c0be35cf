//! Sample streams into the stroke averager and, in lockstep, the stroke feature extractor: 13-byte
//! samples (force_y, force_z as f32 bits, position as i32, and a byte whose low bit ends the
//! stroke). Never a panic; a refused sample changes neither; both refuse the same samples and
//! strokes; a finished stroke's mean lies in [0, 2] (the COF clamp), its std is finite and
//! non-negative, the extractor's mean and std are the averager's bit for bit, and its peaks lie in
//! [0, 2] and its share in [0, 1].
#![no_main]

use galling::averager::{StrokeAverager, StrokeWindow};
use galling::features::{FeatureSettings, StrokeFeatureExtractor};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // a small window in counts, so short inputs reach it; the default window when the first byte is even
    let window = match data.first() {
        Some(b) if b & 1 == 1 => StrokeWindow { start: 1, end: 64 },
        _ => StrokeWindow::default(),
    };
    let settings = FeatureSettings {
        window,
        run_in_start: window.start.min(FeatureSettings::DEFAULT.run_in_start),
        ..FeatureSettings::DEFAULT
    };
    let mut avg = StrokeAverager::<f32>::new(window);
    let Ok(mut ex) = StrokeFeatureExtractor::<f32>::new(settings) else {
        panic!("valid settings refused: {settings:?}");
    };
    for s in data.get(1..).unwrap_or_default().chunks_exact(13) {
        let fy = f32::from_le_bytes([s[0], s[1], s[2], s[3]]);
        let fz = f32::from_le_bytes([s[4], s[5], s[6], s[7]]);
        let x = i32::from_le_bytes([s[8], s[9], s[10], s[11]]);
        let (before, ex_before) = (avg, ex);
        let got = avg.push_forces(fy, fz, x);
        assert_eq!(
            got,
            ex.push_forces(fy, fz, x),
            "averager and extractor disagree"
        );
        if got.is_err() {
            assert!(avg == before, "a refused sample changed the averager");
            assert!(ex == ex_before, "a refused sample changed the extractor");
        }
        if s[12] & 1 == 1 {
            match (avg.finish(), ex.finish()) {
                (Ok(stroke), Ok(f)) => {
                    assert!((0.0..=2.0).contains(&stroke.mean), "{stroke:?}");
                    assert!(stroke.std.is_finite() && stroke.std >= 0.0, "{stroke:?}");
                    assert!(stroke.samples >= 2);
                    assert_eq!(f.mean.to_bits(), stroke.mean.to_bits());
                    assert_eq!(f.std.to_bits(), stroke.std.to_bits());
                    assert!((0.0..=2.0).contains(&f.breakaway_peak), "{f:?}");
                    assert!((0.0..=2.0).contains(&f.exit_peak), "{f:?}");
                    assert!((0.0..=1.0).contains(&f.run_in_high_share), "{f:?}");
                }
                (Err(a), Err(b)) => assert_eq!(a, b),
                (a, b) => panic!("averager {a:?}, extractor {b:?}"),
            }
        }
    }
    let _ = avg.finish();
    let _ = ex.finish();
});
