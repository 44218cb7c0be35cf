//! Whole-file writes that never leave a half-written file: the content goes to a temporary file in
//! the destination's folder, is flushed to disk (`fsync`), then renamed over the destination. On any
//! error the temporary file is removed and the destination is untouched.
//!
//! ```
//! let dir = std::env::temp_dir().join(format!("host-train-doc-atomic-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! host_train::atomic::write(&dir.join("params.json"), b"{}\n")?;
//! assert_eq!(std::fs::read(dir.join("params.json"))?, b"{}\n");
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A failed write of an output file.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source}", path.display())]
pub struct WriteError {
    /// The destination file.
    pub path: PathBuf,
    /// What the operating system said.
    #[source]
    pub source: io::Error,
}

/// Writes `bytes` to `path` atomically (see the module docs).
///
/// # Errors
/// [`WriteError`] naming `path` when the folder is missing or not writable, the disk is full, or the
/// rename fails; no temporary file is left behind.
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    write_with(path, |w| w.write_all(bytes))
}

/// Writes to `path` atomically with a writer callback; if the callback fails, nothing is written
/// and the temporary file is removed.
///
/// # Errors
/// [`WriteError`] naming `path`, carrying the callback's or the file system's error.
pub fn write_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), WriteError> {
    let fail = |source| WriteError {
        path: path.to_path_buf(),
        source,
    };
    let tmp = temp_path(path).map_err(fail)?;
    let result = (|| {
        let file = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        let mut w = io::BufWriter::new(file);
        fill(&mut w)?;
        let file = w.into_inner().map_err(io::IntoInnerError::into_error)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)?;
        // Make the rename itself durable; not every platform can open a folder, so this is best effort.
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
            && let Ok(d) = File::open(dir)
        {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(fail)
}

/// `.<name>.<pid>.<n>.tmp` beside `path` (same folder, hence same file system, so the rename is atomic).
fn temp_path(path: &Path) -> io::Result<PathBuf> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "the output path has no file name",
        )
    })?;
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let tmp_name = format!(".{}.{}.{n}.tmp", name.to_string_lossy(), std::process::id());
    Ok(path.with_file_name(tmp_name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_fill_leaves_neither_file_nor_temp() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.txt");
        let err = write_with(&target, |w| {
            w.write_all(b"half")?;
            Err(io::Error::other("simulated failure"))
        })
        .unwrap_err();
        assert!(err.to_string().contains("out.txt"), "{err}");
        assert!(err.to_string().contains("simulated failure"), "{err}");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn failed_fill_keeps_the_previous_content() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.txt");
        write(&target, b"old").unwrap();
        let _ = write_with(&target, |w| {
            w.write_all(b"new but broken")?;
            Err(io::Error::other("boom"))
        });
        assert_eq!(fs::read(&target).unwrap(), b"old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn missing_folder_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("no/such/folder/x.json");
        let err = write(&target, b"x").unwrap_err();
        assert!(err.to_string().contains("x.json"), "{err}");
    }
}
