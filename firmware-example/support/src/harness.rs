//! A table-driven on-target test harness: each test is a `fn() -> Result<(), &'static str>`; the
//! run prints one line per test, then the closing line `N passed, M failed` alone on its line (CI
//! parses it), and stops with [`ExitCode::Success`] or [`ExitCode::Failed`]. Used by the on-target
//! tests of the example and of `press-app`.

use crate::{ExitCode, stop};

/// One on-target test.
#[derive(Clone, Copy)]
pub struct Test {
    /// Name printed with the result.
    pub name: &'static str,
    /// The test: `Err` says what did not hold (details are logged by the test itself).
    pub run: fn() -> Result<(), &'static str>,
}

/// Runs every test in order, prints the results and the count line, and stops.
pub fn run(tests: &[Test]) -> ! {
    let (mut passed, mut failed) = (0u32, 0u32);
    for test in tests {
        match (test.run)() {
            Ok(()) => {
                passed += 1;
                defmt::println!("test {} ... ok", test.name);
            }
            Err(why) => {
                failed += 1;
                defmt::println!("test {} ... FAILED: {}", test.name, why);
            }
        }
    }
    defmt::println!("{=u32} passed, {=u32} failed", passed, failed);
    stop(if failed == 0 {
        ExitCode::Success
    } else {
        ExitCode::Failed
    })
}
