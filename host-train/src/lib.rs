//! host-train: fits the galling model family (V8, V8-13, V9, V7) to press stroke data, compares the variants and prepares the chosen one for the firmware.
pub mod analyze;
pub mod atomic;
pub mod averaging;
pub mod compare;
pub mod dataset;
pub mod demo;
pub mod fit;
pub mod package;
pub mod params_file;
pub mod plots;
pub mod replay;
pub mod simulation;
pub mod summary;
pub mod train;
pub mod tune;
pub mod validation;
