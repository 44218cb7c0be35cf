//! Any bytes into `blob::decode`: never a panic; an accepted blob is a valid model that re-encodes
//! to the same bytes and evaluates finitely at the corners of the monitor's input box.
#![no_main]

use galling::{Model, OperatingBox, blob};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(params) = blob::decode(data) else {
        return;
    };
    let model = Model::new(&params).expect("a decoded blob is a valid model");
    let again = blob::encode(&params).expect("a decoded blob re-encodes");
    assert_eq!(&again[..], &data[..blob::BLOB_LEN]);
    let b = OperatingBox::MONITOR_DEFAULT;
    for t in [b.temperature_low, b.temperature_high] {
        let land = model.landscape(t);
        for mu in [b.cof_low, b.cof_high] {
            let s = land.score(mu, b.cof_high - mu);
            assert!(s.log_prob.is_finite(), "T={t} mu={mu}: {s:?}");
        }
    }
});
