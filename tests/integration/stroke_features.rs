//! Properties of the stroke feature extractor on arbitrary sample streams: no input panics, a refused
//! sample changes nothing, the window statistics are the averager's bit for bit, and every feature
//! of a finished stroke lies in its range.

use galling::averager::{COUNTS_PER_MM, StrokeAverager};
use galling::features::{FeatureSettings, StrokeFeatureExtractor, StrokeFeatures};
use proptest::prelude::*;

/// Any f32 bit pattern (NaN, infinities, subnormals, zeros of both signs) half of the time, else a
/// plausible force in newtons.
fn force() -> impl Strategy<Value = f32> {
    prop_oneof![any::<u32>().prop_map(f32::from_bits), -20.0..20.0_f32]
}

/// Any position half of the time, else one on a 0..80 mm stroke from 800 mm.
fn position() -> impl Strategy<Value = i32> {
    prop_oneof![
        any::<i32>(),
        (0..80 * COUNTS_PER_MM).prop_map(|s| 800 * COUNTS_PER_MM - s)
    ]
}

fn check_ranges(f: &StrokeFeatures<f32>) {
    assert!((0.0..=2.0).contains(&f.mean), "{f:?}");
    assert!(f.std.is_finite() && f.std >= 0.0, "{f:?}");
    assert!((0.0..=2.0).contains(&f.breakaway_peak), "{f:?}");
    assert!((0.0..=1.0).contains(&f.run_in_high_share), "{f:?}");
    assert!((0.0..=2.0).contains(&f.exit_peak), "{f:?}");
    assert!(f.samples >= 2);
    if f.run_in_samples == 0 {
        assert_eq!((f.breakaway_peak, f.run_in_high_share), (0.0, 0.0));
    }
    if f.exit_samples == 0 {
        assert_eq!(f.exit_peak, 0.0);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_samples_never_panic_and_keep_the_averagers_statistics(
        samples in prop::collection::vec((force(), force(), position(), any::<bool>()), 0..300),
    ) {
        let mut ex = StrokeFeatureExtractor::<f32>::default();
        let mut avg = StrokeAverager::<f32>::default();
        for (fy, fz, x, end) in samples {
            let before = ex;
            let got = ex.push_forces(fy, fz, x);
            prop_assert_eq!(got, avg.push_forces(fy, fz, x));
            if got.is_err() {
                prop_assert_eq!(ex, before);
            }
            if end {
                match (ex.finish(), avg.finish()) {
                    (Ok(f), Ok(s)) => {
                        prop_assert_eq!(f.mean.to_bits(), s.mean.to_bits());
                        prop_assert_eq!(f.std.to_bits(), s.std.to_bits());
                        prop_assert_eq!(f.samples, s.samples);
                        check_ranges(&f);
                    }
                    (Err(a), Err(b)) => prop_assert_eq!(a, b),
                    (a, b) => prop_assert!(false, "extractor {a:?}, averager {b:?}"),
                }
            }
        }
    }

    #[test]
    fn any_valid_settings_give_features_in_range(
        run_in_start in 0..10 * COUNTS_PER_MM,
        high_cof in 0.0..2.0_f32,
        min_normal_force in 0.0..15.0_f32,
        cofs in prop::collection::vec(-1.0..3.0_f32, 80),
        loads in prop::collection::vec(-15.0..15.0_f32, 80),
    ) {
        let settings = FeatureSettings { run_in_start, high_cof, min_normal_force, ..FeatureSettings::DEFAULT };
        let mut ex = StrokeFeatureExtractor::<f32>::new(settings).unwrap();
        for (i, (c, fz)) in cofs.iter().zip(&loads).enumerate() {
            let x = 800 * COUNTS_PER_MM - i as i32 * COUNTS_PER_MM;
            let _refused_if_zero_load = ex.push_forces(c * fz, *fz, x);
        }
        if let Ok(f) = ex.finish() {
            check_ranges(&f);
            prop_assert!(f.run_in_samples <= 10 && f.exit_samples <= 19, "{f:?}");
        }
    }
}
