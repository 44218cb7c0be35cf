//! The core's integration tests (the blob, the family's variants, the monitor's golden file, the
//! risk table, the stroke features), one module per subject, compiled into one test binary: one
//! link instead of ten, every test scheduled in one harness (`cargo test --test integration
//! blob_integrity::` runs one subject's tests).

mod family_common;

mod blob_integrity;
mod family_blob;
mod family_gradients;
mod family_simulation;
mod family_validation;
mod monitor_golden;
mod param_validation;
mod properties;
mod risk_table;
mod stroke_features;
