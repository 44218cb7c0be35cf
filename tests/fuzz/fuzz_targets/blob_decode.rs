//! Any bytes into `blob::decode`: never a panic; an accepted blob is a valid package that re-encodes
//! to the same bytes, and its monitor evaluates finitely at the corners of its input box.
#![no_main]

use galling::{Monitor, blob};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let checked = blob::check(data);
    let Ok(package) = blob::decode(data) else {
        assert!(checked.is_err(), "check accepted what decode refused");
        return;
    };
    assert!(checked.is_ok(), "check refused what decode accepted");
    let again = blob::encode(&package);
    assert_eq!(&again[..], &data[..blob::BLOB_LEN]);
    let s = *package.settings();
    let mut monitor = Monitor::new(package).expect("a decoded blob builds a monitor");
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
