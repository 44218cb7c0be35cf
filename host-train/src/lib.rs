//! host-train: fits the V8 galling model to press stroke data and prepares it for the firmware.
pub mod analyze;
pub mod atomic;
pub mod averaging;
pub mod compare;
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
