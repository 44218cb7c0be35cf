//! Parameter files of every variant of the model family: human-readable JSON (the variant's names
//! from its table, [`galling::family::Variant::fields`]) and the firmware's binary blob.
//!
//! [`load`] tells them apart by content: a file whose first non-blank byte is `{` is JSON, either the
//! bare parameter object or an object with a `params` member (the format of `params.json` written by
//! `train` and of the reference files); anything else is decoded as a blob, so a damaged blob is
//! reported by [`galling::blob::decode`] with the byte offset of the problem.
//!
//! The JSON names its variant in a top-level `"model"` member (`"v8"`, `"v8-13"`, `"v9"`, `"v7"`);
//! without one it is the variant whose names the parameter object holds (V8 for the files written
//! before the family; the reference files `v7-upstream-fit.json`, `v9-upstream-fit.json`). The parameter object must hold
//! exactly the variant's names: an unknown or a missing name is an error naming the file, the line
//! and the parameter.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use galling::family::{ModelId, ModelParams};
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("v9.json");
//! let p = host_train::fitting::start::<f64>(ModelId::V9);
//! std::fs::write(&path, host_train::params_file::to_json(&p, "a V9 start"))?;
//! let (loaded, _) = host_train::params_file::load(&path)?;
//! assert_eq!(loaded, p);
//! # Ok(()) }
//! ```

use crate::precursor::FeatureScaling;
use galling::ParamError;
use galling::V8Params;
use galling::blob::{self, BlobError};
use galling::family::{ModelId, ModelParams, N_PRECURSOR_FEATURES, PRECURSOR_FEATURES};
use serde::Serializer;
use serde::ser::SerializeMap;
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
    /// The JSON does not hold the variant's parameters (names the line and column of the problem).
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
    /// The file holds another variant than the one asked for.
    #[error("{}: holds {found} parameters, expected {expected}", path.display())]
    WrongModel {
        /// The file.
        path: PathBuf,
        /// The variant in the file.
        found: ModelId,
        /// The variant asked for.
        expected: ModelId,
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
    /// The binary blob of [`galling::blob`] (version 3: parameters, settings, stroke features,
    /// risk table).
    Blob,
    /// A version-1 blob (parameters only), read for re-export.
    BlobV1,
    /// A version-2 blob (the previous release's fixed offsets), its parameters read for re-export.
    BlobV2,
    /// JSON.
    Json,
}

/// The envelope written to `params.json`: the variant, the parameters and where they came from.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ParamsDocument {
    /// One line about what these parameters are.
    pub description: String,
    /// The variant (`"v8"`, `"v8-13"`, `"v9"`, `"v7"`).
    #[serde(serialize_with = "serialize_model")]
    pub model: ModelId,
    /// The raw parameters with the variant's names (float64; the blob holds them rounded to
    /// float32).
    #[serde(serialize_with = "serialize_values")]
    pub params: ModelParams<f64>,
}

/// Serialises a variant as its key (`"v8"`, `"v8-13"`, `"v9"`, `"v7"`), for `serialize_with`.
///
/// # Errors
/// The serializer's.
pub fn serialize_model<S: Serializer>(model: &ModelId, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(model.key())
}

/// Serialises parameters as an object of the variant's names in storage order, for
/// `serialize_with`.
///
/// # Errors
/// The serializer's.
pub fn serialize_values<S: Serializer>(params: &ModelParams<f64>, s: S) -> Result<S::Ok, S::Error> {
    let mut map = s.serialize_map(Some(params.len()))?;
    for (field, value) in params.variant().fields.iter().zip(params.values()) {
        map.serialize_entry(field.name, value)?;
    }
    map.end()
}

/// Loads a parameter file (blob or JSON) of any variant as float64 parameters and validates them.
///
/// # Errors
/// [`ParamsFileError`] naming the file: unreadable, a refused blob (with the byte offset), JSON that
/// is malformed, names an unknown variant, or lacks or adds a parameter (with line and column), or
/// invalid parameters (naming the parameter).
pub fn load(path: &Path) -> Result<(ModelParams<f64>, ParamsFormat), ParamsFileError> {
    let bytes = std::fs::read(path).map_err(|source| ParamsFileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let is_json = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    let (params, format) = if !is_json {
        match blob::decode(&bytes) {
            Ok(package) => (package.params().map(f64::from), ParamsFormat::Blob),
            Err(BlobError::Version1) => match decode_v1(&bytes) {
                Some(p) => (ModelParams::from(p.map(f64::from)), ParamsFormat::BlobV1),
                None => {
                    return Err(ParamsFileError::Blob {
                        path: path.to_path_buf(),
                        source: BlobError::Version1,
                    });
                }
            },
            Err(BlobError::Version2) => match decode_v2(&bytes) {
                Some(p) => (p.map(f64::from), ParamsFormat::BlobV2),
                None => {
                    return Err(ParamsFileError::Blob {
                        path: path.to_path_buf(),
                        source: BlobError::Version2,
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
        (parse_json(path, &bytes)?, ParamsFormat::Json)
    };
    params
        .validate()
        .map_err(|source| ParamsFileError::Invalid {
            path: path.to_path_buf(),
            source,
        })?;
    Ok((params, format))
}

/// Loads a parameter file and checks that it holds variant `model`.
///
/// # Errors
/// As [`load`], and [`ParamsFileError::WrongModel`] when the file holds another variant.
pub fn load_model(
    path: &Path,
    model: ModelId,
) -> Result<(ModelParams<f64>, ParamsFormat), ParamsFileError> {
    let (params, format) = load(path)?;
    if params.model() != model {
        return Err(ParamsFileError::WrongModel {
            path: path.to_path_buf(),
            found: params.model(),
            expected: model,
        });
    }
    Ok((params, format))
}

/// 1-based line and column of byte offset `at` of `bytes`.
fn line_column(bytes: &[u8], at: usize) -> (usize, usize) {
    let before = &bytes[..at.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = before.len()
        - before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1)
        + 1;
    (line, column)
}

/// Line and column of the first occurrence of the JSON key `"key"` (followed by `:`) at or after
/// byte `from`, or of `from` itself when there is none.
fn locate_key(bytes: &[u8], key: &str, from: usize) -> (usize, usize) {
    let needle = format!("\"{key}\"");
    let n = needle.as_bytes();
    let mut i = from;
    while i + n.len() <= bytes.len() {
        if &bytes[i..i + n.len()] == n {
            let rest = bytes[i + n.len()..]
                .iter()
                .find(|b| !b.is_ascii_whitespace());
            if rest == Some(&b':') {
                return line_column(bytes, i);
            }
        }
        i += 1;
    }
    line_column(bytes, from)
}

/// The variant of a parameter object without a `"model"` member: the one whose names it holds
/// exactly (the reference files name no model), else the one it differs least from (V8 first among
/// equals), against which the differences are then reported.
fn infer_model(object: &serde_json::Map<String, serde_json::Value>) -> ModelId {
    let differences = |m: &ModelId| {
        let fields = m.variant().fields;
        let extra = object
            .keys()
            .filter(|k| k.as_str() != "model" && m.variant().index_of(k).is_none())
            .count();
        let missing = fields
            .iter()
            .filter(|f| !object.contains_key(f.name))
            .count();
        extra + missing
    };
    ModelId::ALL
        .into_iter()
        .min_by_key(differences)
        .unwrap_or(ModelId::V8)
}

/// Parses the JSON of a parameter file: the variant from `"model"` (V8 without one), then exactly
/// its parameters from the `params` member, or from the object itself when it has none.
fn parse_json(path: &Path, bytes: &[u8]) -> Result<ModelParams<f64>, ParamsFileError> {
    let error = |(line, column): (usize, usize), message: String| ParamsFileError::Json {
        path: path.to_path_buf(),
        line,
        column,
        message,
    };
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| error((e.line().max(1), e.column().max(1)), e.to_string()))?;
    let serde_json::Value::Object(top) = &value else {
        return Err(error((1, 1), "expected a JSON object".into()));
    };
    let model = match top.get("model") {
        None => infer_model(match top.get("params") {
            Some(serde_json::Value::Object(p)) => p,
            _ => top,
        }),
        Some(serde_json::Value::String(key)) => ModelId::from_key(key).ok_or_else(|| {
            let keys: Vec<&str> = ModelId::ALL.iter().map(|m| m.key()).collect();
            error(
                locate_key(bytes, "model", 0),
                format!("unknown model `{key}` (known: {})", keys.join(", ")),
            )
        })?,
        Some(other) => {
            return Err(error(
                locate_key(bytes, "model", 0),
                format!("`model` must be a string such as \"v8\", found {other}"),
            ));
        }
    };
    let (object, from) = match top.get("params") {
        Some(serde_json::Value::Object(p)) => {
            let at = bytes.windows(8).position(|w| w == b"\"params\"");
            (p, at.unwrap_or(0))
        }
        Some(_) => {
            return Err(error(
                locate_key(bytes, "params", 0),
                "`params` must be an object of parameter names and numbers".into(),
            ));
        }
        None => (top, 0),
    };
    let variant = model.variant();
    let names: Vec<&str> = variant.fields.iter().map(|f| f.name).collect();
    for key in object.keys() {
        if key == "model" && from == 0 {
            continue;
        }
        if variant.index_of(key).is_none() {
            return Err(error(
                locate_key(bytes, key, from),
                format!(
                    "unknown parameter `{key}` for {model} (its parameters: {})",
                    names.join(", ")
                ),
            ));
        }
    }
    let mut values = Vec::with_capacity(names.len());
    for name in &names {
        match object.get(*name) {
            Some(v) => match v.as_f64() {
                Some(x) => values.push(x),
                None => {
                    return Err(error(
                        locate_key(bytes, name, from),
                        format!("parameter `{name}` must be a number, found {v}"),
                    ));
                }
            },
            None => {
                return Err(error(
                    line_column(bytes, from),
                    format!("missing parameter `{name}` of {model}"),
                ));
            }
        }
    }
    Ok(ModelParams::new(model, &values).expect("one value per field"))
}

/// The parameters rounded to float32, as the firmware holds them.
pub fn to_f32(params: &ModelParams<f64>) -> ModelParams<f32> {
    params.map(|v| v as f32)
}

/// Pretty JSON of a [`ParamsDocument`] (description, model, parameters), with a final newline.
pub fn to_json(params: &ModelParams<f64>, description: &str) -> String {
    let doc = ParamsDocument {
        description: description.to_string(),
        model: params.model(),
        params: *params,
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// [`to_json`] with, for a variant with stroke features (V8-P), its feature settings: a
/// `"feature_scaling"` object of the features' names, `reference` and `scale` values
/// ([`load_feature_scaling`] reads it back).
///
/// ```
/// use galling::V8Params;
/// use galling::family::ModelParams;
/// use host_train::precursor::FeatureScaling;
/// let p = ModelParams::precursor(V8Params::PUBLISHED_FIT.map(f64::from), [1.0, 0.5]);
/// let s = FeatureScaling { reference: [0.3, 0.0], scale: [0.05, 0.1] };
/// let json = host_train::params_file::to_json_with_scaling(&p, "test", Some(&s));
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("params.json");
/// std::fs::write(&path, json).unwrap();
/// assert_eq!(host_train::params_file::load(&path)?.0, p);
/// assert_eq!(host_train::params_file::load_feature_scaling(&path)?, Some(s));
/// # Ok::<(), host_train::params_file::ParamsFileError>(())
/// ```
pub fn to_json_with_scaling(
    params: &ModelParams<f64>,
    description: &str,
    scaling: Option<&FeatureScaling>,
) -> String {
    let Some(scaling) = scaling else {
        return to_json(params, description);
    };
    let mut doc = serde_json::to_value(ParamsDocument {
        description: description.to_string(),
        model: params.model(),
        params: *params,
    })
    .unwrap_or_default();
    if let serde_json::Value::Object(map) = &mut doc {
        map.insert(
            "feature_scaling".into(),
            serde_json::json!({
                "features": PRECURSOR_FEATURES,
                "reference": scaling.reference,
                "scale": scaling.scale,
            }),
        );
    }
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// The feature settings stored in a JSON parameter file by [`to_json_with_scaling`], or `None`
/// when it has none (a blob, or a variant without features).
///
/// # Errors
/// [`ParamsFileError`]: unreadable file, or a `"feature_scaling"` that does not name the
/// features the kernel uses, in order, with one finite reference and one positive finite scale
/// each (line and column of the object).
pub fn load_feature_scaling(path: &Path) -> Result<Option<FeatureScaling>, ParamsFileError> {
    let bytes = std::fs::read(path).map_err(|source| ParamsFileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Ok(None);
    }
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| ParamsFileError::Json {
            path: path.to_path_buf(),
            line: e.line().max(1),
            column: e.column().max(1),
            message: e.to_string(),
        })?;
    let Some(object) = value.get("feature_scaling") else {
        return Ok(None);
    };
    let (line, column) = locate_key(&bytes, "feature_scaling", 0);
    let error = |message: String| ParamsFileError::Json {
        path: path.to_path_buf(),
        line,
        column,
        message,
    };
    let names: Option<Vec<&str>> = object
        .get("features")
        .and_then(|f| f.as_array())
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect());
    if names.as_deref() != Some(&PRECURSOR_FEATURES[..]) {
        return Err(error(format!(
            "`feature_scaling.features` must be {PRECURSOR_FEATURES:?}"
        )));
    }
    let numbers = |key: &str| -> Result<[f64; N_PRECURSOR_FEATURES], ParamsFileError> {
        let v: Vec<f64> = object
            .get(key)
            .and_then(|f| f.as_array())
            .map(|a| a.iter().filter_map(serde_json::Value::as_f64).collect())
            .unwrap_or_default();
        <[f64; N_PRECURSOR_FEATURES]>::try_from(v)
            .ok()
            .filter(|v| v.iter().all(|x| x.is_finite()))
            .ok_or_else(|| {
                error(format!(
                    "`feature_scaling.{key}` must hold {N_PRECURSOR_FEATURES} finite numbers"
                ))
            })
    };
    let reference = numbers("reference")?;
    let scale = numbers("scale")?;
    if scale.iter().any(|s| *s <= 0.0) {
        return Err(error("`feature_scaling.scale` must be positive".into()));
    }
    Ok(Some(FeatureScaling { reference, scale }))
}

/// The parameters of a version-1 blob (`V8GP`, 74 bytes: magic, version 1, layout hash, 15 `f32`,
/// CRC-32), read so that it can be re-exported as the current version (`host-train blob`). `None` when the
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

/// The parameters of a version-2 blob (`GLNG`, version 2, 5440 bytes: a 16-byte header with the
/// model id at byte 6 and the parameter count at byte 7, 17 `f32` parameter slots from byte 16,
/// the settings and the table, CRC-32 over the first 5436 bytes), read so that it can be
/// re-exported as version 3 (`host-train blob`). `None` when the bytes are not an intact
/// version-2 blob of a known variant.
///
/// ```
/// assert_eq!(host_train::params_file::decode_v2(b"GLNG\x02\x00"), None);
/// ```
pub fn decode_v2(bytes: &[u8]) -> Option<ModelParams<f32>> {
    const LEN: usize = 5440;
    let b = bytes.get(..LEN)?;
    if b.get(..4)? != blob::MAGIC || b.get(4..6)? != [2, 0] {
        return None;
    }
    let stored = u32::from_le_bytes(b.get(LEN - 4..)?.try_into().ok()?);
    if blob::crc32(b.get(..LEN - 4)?) != stored {
        return None;
    }
    let model = ModelId::from_u8(*b.get(6)?)?;
    if usize::from(*b.get(7)?) != model.param_count() {
        return None;
    }
    let values: Vec<f32> = b
        .get(16..16 + 4 * model.param_count())?
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    ModelParams::new(model, &values)
}

/// Reads a blob file into the package the firmware would run.
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

    fn v8() -> ModelParams<f64> {
        ModelParams::from(V8Params::PUBLISHED_FIT.map(f64::from))
    }

    #[test]
    fn json_round_trips_and_names_a_missing_field() {
        let dir = tempfile::tempdir().unwrap();
        let p = v8();
        let path = dir.path().join("p.json");
        std::fs::write(&path, to_json(&p, "test")).unwrap();
        assert_eq!(load(&path).unwrap(), (p, ParamsFormat::Json));
        let bare = serde_json::to_string(&V8Params::PUBLISHED_FIT.map(f64::from))
            .unwrap()
            .replace("\"tau\":", "\"tua\":");
        std::fs::write(&path, bare).unwrap();
        let e = load(&path).unwrap_err().to_string();
        assert!(e.contains("p.json:1:") && e.contains("tua"), "{e}");
    }

    #[test]
    fn every_variant_round_trips_as_json_and_as_blob() {
        let dir = tempfile::tempdir().unwrap();
        for model in ModelId::ALL {
            let p = crate::fitting::start::<f64>(model);
            let path = dir.path().join(format!("{}.json", model.key()));
            let text = to_json(&p, "start");
            assert!(
                text.contains(&format!("\"model\": \"{}\"", model.key())),
                "{text}"
            );
            std::fs::write(&path, text).unwrap();
            assert_eq!(load(&path).unwrap(), (p, ParamsFormat::Json));
            assert_eq!(load_model(&path, model).unwrap().0, p);
            let other = if model == ModelId::V8 {
                ModelId::V7
            } else {
                ModelId::V8
            };
            let e = load_model(&path, other).unwrap_err().to_string();
            assert!(
                e.contains(&format!("holds {model} parameters, expected {other}")),
                "{e}"
            );
            // The blob holds the float32 rounding of the same variant (V8-P with its features).
            let features = galling::blob::carries_features(model).then_some(
                galling::features::PrecursorFeatures {
                    extractor: galling::features::FeatureSettings::DEFAULT,
                    scaling: galling::features::FeatureScaling {
                        reference: [0.3, 0.05],
                        scale: [0.04, 0.1],
                    },
                },
            );
            let package = galling::Package::with_features(
                to_f32(&p),
                galling::signals::SignalSettings::default(),
                features,
                galling::risk::RiskTable::build(
                    &galling::family::AnyModel::new(&p).unwrap(),
                    &galling::risk::TableSpec::new(160.0, 170.0),
                ),
            )
            .unwrap();
            let bin = dir.path().join(format!("{}.bin", model.key()));
            std::fs::write(&bin, galling::blob::encode(&package)).unwrap();
            let (q, format) = load(&bin).unwrap();
            assert_eq!(format, ParamsFormat::Blob);
            assert_eq!(q, to_f32(&p).map(f64::from));
        }
    }

    #[test]
    fn unknown_missing_and_mistyped_names_are_named_with_their_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v9.json");
        let mut start = crate::fitting::start::<f64>(ModelId::V9);
        start.values_mut()[2] = 0.1; // k, written as `0.1`
        let good = to_json(&start, "x");
        // A V8 name in a V9 file.
        std::fs::write(&path, good.replace("\"k\":", "\"h0\":")).unwrap();
        let e = load(&path).unwrap_err().to_string();
        let line = good.lines().position(|l| l.contains("\"k\":")).unwrap() + 1;
        assert!(e.contains(&format!("v9.json:{line}:")), "{e}");
        assert!(e.contains("unknown parameter `h0` for V9"), "{e}");
        // A missing name.
        let without: String = good
            .lines()
            .filter(|l| !l.contains("\"tau\""))
            .collect::<Vec<_>>()
            .join("\n");
        std::fs::write(&path, without).unwrap();
        let e = load(&path).unwrap_err().to_string();
        assert!(e.contains("missing parameter `tau` of V9"), "{e}");
        // Without a model key the names decide: a V9 object is V9.
        let bare = serde_json::to_string(&serde_json::json!({
            "params": serde_json::from_str::<serde_json::Value>(&good).unwrap()["params"]
        }))
        .unwrap();
        std::fs::write(&path, bare).unwrap();
        assert_eq!(load(&path).unwrap().0.model(), ModelId::V9);
        // An unknown model.
        std::fs::write(&path, good.replace("\"v9\"", "\"v10\"")).unwrap();
        let e = load(&path).unwrap_err().to_string();
        assert!(
            e.contains("unknown model `v10`") && e.contains("v8-13"),
            "{e}"
        );
        // A value that is not a number.
        std::fs::write(&path, good.replace("\"k\": 0.1", "\"k\": \"0.1\"")).unwrap();
        let e = load(&path).unwrap_err().to_string();
        assert!(e.contains("parameter `k` must be a number"), "{e}");
    }

    #[test]
    fn invalid_parameters_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = V8Params::PUBLISHED_FIT.map(f64::from);
        p.mu_h = 0.1;
        let path = dir.path().join("p.json");
        std::fs::write(&path, to_json(&ModelParams::from(p), "bad")).unwrap();
        let e = crate::error_chain(&load(&path).unwrap_err());
        assert!(e.contains("mu_L must lie below"), "{e}");
    }
}
