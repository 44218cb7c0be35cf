//! host-train's integration tests, one module per subject, compiled into one test binary: one link
//! of the trainer instead of nineteen, and every test of every subject scheduled in one harness,
//! in parallel (`cargo test -p host-train --test integration fit::` runs one subject's tests).
//!
//! Tests that need the real data (`../shared`, or `$GALLING_SHARED`) report a visible, counted
//! skip without it (`common::report_skip`); with `CI` set they fail instead.

mod common;

mod averaging;
mod bounded_inputs;
mod csv_files;
mod data_errors;
mod data_loading;
mod demo_data;
mod error_messages;
mod family_golden;
mod fit;
mod gradients;
mod methodology;
mod monitor;
mod output_set;
mod params_blob;
mod precursor;
mod published_fit;
mod stroke_features;
mod train_outputs;
mod validation;
