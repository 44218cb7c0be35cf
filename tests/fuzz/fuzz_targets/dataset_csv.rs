//! Any text into the CSV data loader: never a panic; an accepted data set holds only series of at
//! least two strokes with COF and temperatures in the monitor's ranges; an error names the source.
#![no_main]

use host_train::dataset::{COF_RANGE, Dataset, TEMPERATURE_RANGE, TemperatureMap};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Dataset::parse_csv("fuzz.csv".as_ref(), text, &TemperatureMap::default()) {
        Ok(d) => {
            for s in &d.series {
                assert!(s.cof.len() >= 2);
                assert!(
                    s.cof
                        .iter()
                        .all(|c| (COF_RANGE.0..=COF_RANGE.1).contains(c))
                );
                assert!((TEMPERATURE_RANGE.0..=TEMPERATURE_RANGE.1).contains(&s.temperature));
            }
        }
        Err(e) => assert!(e.to_string().starts_with("fuzz.csv")),
    }
});
