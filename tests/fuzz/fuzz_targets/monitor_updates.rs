//! Update sequences into both monitors: the first 60 bytes are 15 parameters (any f32 bits; the
//! published fit when `Model::new` refuses them), then 12-byte strokes (counter, temperature, COF as
//! raw bits: NaN, infinities, out-of-range values, counter jumps). Never a panic; a rejected stroke
//! leaves the monitor unchanged; an accepted one gives a probability in [0, 1]. The grid monitor
//! runs with 8 cells (same code as the default 48, a fraction of the cost per execution).
#![no_main]

use galling::{DefaultMonitor, GridMonitor, Model, MonitorBuilder, V8Params};
use libfuzzer_sys::fuzz_target;

/// Strokes per input: keeps one execution short (each update runs a 10-stroke forecast).
const MAX_STROKES: usize = 12;

fn f32_at(b: &[u8], i: usize) -> f32 {
    f32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

fuzz_target!(|data: &[u8]| {
    let (model, rest) = match data.split_at_checked(60) {
        Some((head, rest)) => {
            let p = V8Params::from_array(core::array::from_fn(|k| f32_at(head, 4 * k)));
            (
                Model::new(&p).unwrap_or_else(|_| Model::new(&V8Params::PUBLISHED_FIT).unwrap()),
                rest,
            )
        }
        None => (Model::new(&V8Params::PUBLISHED_FIT).unwrap(), data),
    };
    let mut mc: DefaultMonitor = MonitorBuilder::new(model).build_default().unwrap();
    // 8 grid cells instead of the default 48: the same code, and a temperature change (every
    // stroke here) costs ~G^2, 36 times less than at G = 48
    let mut grid: GridMonitor<8> = MonitorBuilder::new(model).build_grid().unwrap();
    for stroke in rest.chunks_exact(12).take(MAX_STROKES) {
        let n = u32::from_le_bytes([stroke[0], stroke[1], stroke[2], stroke[3]]);
        let (t, cof) = (f32_at(stroke, 4), f32_at(stroke, 8));
        let before = (mc.clone(), grid.clone());
        match mc.update(n, t, cof) {
            Ok(r) => assert!((0.0..=1.0).contains(&r.risk.probability), "{r:?}"),
            Err(_) => assert!(mc == before.0, "a rejected stroke changed the monitor"),
        }
        match grid.update(n, t, cof) {
            Ok(r) => assert!((0.0..=1.0).contains(&r.risk.probability), "{r:?}"),
            Err(_) => assert!(grid == before.1, "a rejected stroke changed the monitor"),
        }
    }
});
