//! Any bytes into the blob decoder: never a panic; `check`, `PackageView::new` and `decode` agree; an
//! accepted blob is the canonical encoding of its package (decode then encode gives the same
//! bytes), and its monitor evaluates finitely at the corners of its input box.
#![no_main]

use galling::blob::{self, PackageView};
use galling::Monitor;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let checked = blob::check(data);
    let Ok(view) = PackageView::new(data) else {
        assert!(checked.is_err(), "check accepted what the view refused");
        assert!(blob::decode(data).is_err(), "decode accepted what the view refused");
        return;
    };
    assert!(checked.is_ok(), "check refused what the view accepted");
    let package = blob::decode(data).expect("decode accepts what the view accepts");
    let again = blob::encode(&package);
    assert_eq!(&again[..], &data[..again.len()], "not canonical");
    let s = *view.settings();
    let mut monitor = Monitor::new(view);
    let mut n = 0_u32;
    for t in [s.temperature_low, s.temperature_high] {
        for mu in [s.cof_low, s.cof_high] {
            monitor.restart_series();
            let r = monitor.update(n, t, mu).expect("the box's corners are accepted");
            assert!(r.fault.is_none() && (0.0..=1.0).contains(&r.risk), "T={t} mu={mu}: {r:?}");
            n = n.wrapping_add(2);
        }
    }
});
