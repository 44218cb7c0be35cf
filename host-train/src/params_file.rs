//! Parameter files: human-readable JSON (the 15 model names) and the firmware's binary blob.
//!
//! [`load`] tells them apart by content: a file whose first non-blank byte is `{` is JSON, either the
//! bare parameter object or an object with a `params` member (the format of `params.json` written by
//! `train` and of the published reference file); anything else is decoded as a blob, so a damaged
//! blob is reported by [`galling::blob::decode`] with the byte offset of the problem.

use galling::blob::{self, BlobError};
use galling::{ParamError, V8Params};
use std::path::{Path, PathBuf};

/// Why a parameter file could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ParamsFileError {
    /// The file could not be read.
    #[error("{}: cannot read", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The blob was refused by [`galling::blob::decode`].
    #[error("{}", path.display())]
    Blob {
        /// The file.
        path: PathBuf,
        /// Where and why the blob was refused.
        #[source]
        source: BlobError,
    },
    /// The JSON does not hold the 15 parameters (names the line and column of the problem).
    #[error("{}:{line}:{column}: {message}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The parameters are not a valid model.
    #[error("{}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong with the parameters.
        #[source]
        source: ParamError,
    },
}

/// What [`load`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamsFormat {
    /// The binary blob of [`galling::blob`] (version 2: parameters, settings, risk table).
    Blob,
    /// A version-1 blob (parameters only), read for re-export.
    BlobV1,
    /// JSON.
    Json,
}

/// The envelope written to `params.json`: the parameters plus where they came from.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ParamsDocument {
    /// One line about what these parameters are.
    pub description: String,
    /// The 15 raw parameters (float64; the blob holds them rounded to float32).
    pub params: V8Params<f64>,
}

#[derive(serde::Deserialize)]
#[serde(untagged)]
enum AnyParams {
    Wrapped { params: V8Params<f64> },
    Bare(V8Params<f64>),
}

/// Loads a parameter file (blob or JSON) as float64 parameters and validates them.
///
/// # Errors
/// [`ParamsFileError`] naming the file: unreadable, a refused blob (with the byte offset), JSON that
/// is malformed or lacks a parameter (with line and column), or invalid parameters.
pub fn load(path: &Path) -> Result<(V8Params<f64>, ParamsFormat), ParamsFileError> {
    let bytes = std::fs::read(path).map_err(|source| ParamsFileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let is_json = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    let (params, format) = if !is_json {
        match blob::decode(&bytes) {
            Ok(package) => (package.params().map(f64::from), ParamsFormat::Blob),
            Err(BlobError::Version1) => match decode_v1(&bytes) {
                Some(p) => (p.map(f64::from), ParamsFormat::BlobV1),
                None => {
                    return Err(ParamsFileError::Blob {
                        path: path.to_path_buf(),
                        source: BlobError::Version1,
                    });
                }
            },
            Err(source) => {
                return Err(ParamsFileError::Blob {
                    path: path.to_path_buf(),
                    source,
                });
            }
        }
    } else {
        let any: AnyParams = parse_json(path, &bytes)?;
        let p = match any {
            AnyParams::Wrapped { params } | AnyParams::Bare(params) => params,
        };
        (p, ParamsFormat::Json)
    };
    params
        .validate()
        .map_err(|source| ParamsFileError::Invalid {
            path: path.to_path_buf(),
            source,
        })?;
    Ok((params, format))
}

/// Parses JSON; an untagged enum hides the field name, so a failure is re-diagnosed against the bare
/// parameter struct to name the missing or unknown field.
fn parse_json(path: &Path, bytes: &[u8]) -> Result<AnyParams, ParamsFileError> {
    serde_json::from_slice::<AnyParams>(bytes).map_err(|e| {
        let value: Result<serde_json::Value, _> = serde_json::from_slice(bytes);
        let detail = match value {
            Err(syntax) => syntax,
            Ok(v) => {
                let inner = v.get("params").cloned().unwrap_or(v);
                match serde_json::from_value::<V8Params<f64>>(inner) {
                    Err(field) => field,
                    Ok(_) => e,
                }
            }
        };
        ParamsFileError::Json {
            path: path.to_path_buf(),
            line: detail.line().max(1),
            column: detail.column().max(1),
            message: format!("not a V8 parameter file: {detail}"),
        }
    })
}

/// The parameters rounded to float32, as the firmware holds them.
pub fn to_f32(params: &V8Params<f64>) -> V8Params<f32> {
    params.map(|v| v as f32)
}

/// Pretty JSON of a [`ParamsDocument`], with a final newline.
pub fn to_json(params: &V8Params<f64>, description: &str) -> String {
    let doc = ParamsDocument {
        description: description.to_string(),
        params: *params,
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// The parameters of a version-1 blob (`V8GP`, 74 bytes: magic, version 1, layout hash, 15 `f32`,
/// CRC-32), read so that it can be re-exported as version 2 (`host-train blob`). `None` when the
/// bytes are not an intact version-1 blob.
pub fn decode_v1(bytes: &[u8]) -> Option<V8Params<f32>> {
    const LEN: usize = 74;
    let b = bytes.get(..LEN)?;
    if b.get(..4)? != blob::MAGIC_V1 || b.get(4..6)? != [1, 0] {
        return None;
    }
    let stored = u32::from_le_bytes(b.get(70..74)?.try_into().ok()?);
    if blob::crc32(b.get(..70)?) != stored {
        return None;
    }
    let mut values = [0.0_f32; 15];
    for (v, chunk) in values.iter_mut().zip(b.get(10..70)?.chunks_exact(4)) {
        *v = f32::from_le_bytes(chunk.try_into().ok()?);
    }
    Some(V8Params::from_array(values))
}

/// Reads a version-2 blob file into the package the firmware would run.
///
/// # Errors
/// [`ParamsFileError::Read`] or [`ParamsFileError::Blob`] naming the file and the byte offset.
pub fn load_package(path: &Path) -> Result<galling::Package, ParamsFileError> {
    let bytes = std::fs::read(path).map_err(|source| ParamsFileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    blob::decode(&bytes).map_err(|source| ParamsFileError::Blob {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trips_and_names_a_missing_field() {
        let dir = tempfile::tempdir().unwrap();
        let p = V8Params::PUBLISHED_FIT.map(f64::from);
        let path = dir.path().join("p.json");
        std::fs::write(&path, to_json(&p, "test")).unwrap();
        assert_eq!(load(&path).unwrap(), (p, ParamsFormat::Json));
        let bare = serde_json::to_string(&p)
            .unwrap()
            .replace("\"tau\":", "\"tua\":");
        std::fs::write(&path, bare).unwrap();
        let e = load(&path).unwrap_err().to_string();
        assert!(e.contains("p.json:1:") && e.contains("tua"), "{e}");
    }

    #[test]
    fn invalid_parameters_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = V8Params::PUBLISHED_FIT.map(f64::from);
        p.mu_h = 0.1;
        let path = dir.path().join("p.json");
        std::fs::write(&path, to_json(&p, "bad")).unwrap();
        let e = crate::error_chain(&load(&path).unwrap_err());
        assert!(e.contains("mu_L must lie below"), "{e}");
    }
}
