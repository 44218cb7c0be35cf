//! Whole-file writes that never leave a half-written file: the content goes to a temporary file in
//! the destination's folder, is flushed to disk (`fsync`), then renamed over the destination. On any
//! error the temporary file is removed and the destination is untouched.
//!
//! A command that writes several files that belong together (a training run's parameters, blob,
//! summary and figures) writes them as one [`OutputSet`]: all files go to a staging folder beside the
//! output folder, which then replaces the output folder in one atomic step. A reader (or a killed
//! run) sees either the previous complete set or the new complete set, never a mix.
//!
//! ```
//! let dir = std::env::temp_dir().join(format!("host-train-doc-atomic-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! host_train::atomic::write(&dir.join("params.json"), b"{}\n")?;
//! assert_eq!(std::fs::read(dir.join("params.json"))?, b"{}\n");
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A failed write of an output file.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}", path.display())]
pub struct WriteError {
    /// The destination file.
    pub path: PathBuf,
    /// What the operating system said.
    #[source]
    pub source: io::Error,
}

/// A figure that could not be drawn or written.
#[derive(Debug, thiserror::Error)]
#[error("cannot draw {}: {message}", path.display())]
pub struct PlotError {
    /// The file.
    pub path: PathBuf,
    /// What went wrong.
    pub message: String,
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
    let name = path.file_name().ok_or_else(|| {
        fail(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the output path has no file name",
        ))
    })?;
    // The temporary file lies beside `path` (same file system, so the rename is atomic) and is
    // removed when dropped unpersisted: on any error below.
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let prefix = format!(".{}.", name.to_string_lossy());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // The mode a plain `File::create` gives (0o666 less the umask), not tempfile's private 0o600.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    (|| {
        let mut tmp = builder.tempfile_in(dir)?;
        {
            let mut w = io::BufWriter::new(tmp.as_file_mut());
            fill(&mut w)?;
            w.flush()?;
        }
        tmp.as_file().sync_all()?;
        tmp.persist(path).map_err(|e| e.error)?;
        // Make the rename itself durable.
        sync_dir(dir);
        Ok(())
    })()
    .map_err(fail)
}

/// Name of the manifest an [`OutputSet`] writes into its folder: the set's files, one relative path a
/// line. It tells the next set which entries of the folder were its own (replaced) and which were
/// not (kept).
pub const MANIFEST: &str = ".host-train-set";

/// Several output files written as one set into an output folder (see the module docs).
///
/// [`begin`](Self::begin) removes the staging folders that killed runs left beside the output folder
/// and creates a fresh one; [`write`](Self::write) and [`write_with`](Self::write_with) put files into
/// it (each durably, with `fsync`); [`commit`](Self::commit) replaces the output folder with it. Files
/// of the folder that no set wrote (not in the previous set's manifest) are carried over into the new
/// folder; files of the previous set that the new one lacks are dropped. Dropping the set without
/// committing (an error, a panic) removes the staging folder: the output folder is untouched.
///
/// On Linux the replacement is one `renameat2(RENAME_EXCHANGE)`; the old set is then deleted from
/// the staging name (a kill at that point leaves it for the next `begin` to remove).
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let out = dir.path().join("run");
/// let mut set = host_train::atomic::OutputSet::begin(&out)?;
/// set.write("a.txt", b"1")?;
/// set.write("b.txt", b"2")?;
/// assert!(!out.exists()); // nothing is visible before the commit
/// let files = set.commit()?;
/// assert_eq!(files, [out.join("a.txt"), out.join("b.txt")]);
/// assert_eq!(std::fs::read(out.join("b.txt"))?, b"2");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct OutputSet {
    out: PathBuf,
    staging: PathBuf,
    files: Vec<String>,
    done: bool,
}

fn io_fail(path: &Path) -> impl Fn(io::Error) -> WriteError + '_ {
    move |source| WriteError {
        path: path.to_path_buf(),
        source,
    }
}

impl OutputSet {
    /// Starts a set for the output folder `out` (created at commit; its parent must exist or is
    /// created).
    ///
    /// # Errors
    /// [`WriteError`] naming the folder when the parent cannot be created or written.
    pub fn begin(out: &Path) -> Result<Self, WriteError> {
        let name = out
            .file_name()
            .ok_or_else(|| {
                io_fail(out)(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "the output folder has no name",
                ))
            })?
            .to_string_lossy()
            .into_owned();
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(io_fail(&parent))?;
        remove_stale_staging(&parent, &name);
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let staging = parent.join(format!(
            "{}{}-{n}",
            staging_prefix(&name),
            std::process::id()
        ));
        // an error names the user's folder, never the staging folder
        fs::create_dir(&staging).map_err(io_fail(out))?;
        Ok(Self {
            out: out.to_path_buf(),
            staging,
            files: Vec::new(),
            done: false,
        })
    }

    /// Refuses an output folder that a set cannot replace, before any work: its parent cannot be
    /// created or written (no staging folder can be made beside it), or it exists and is not a
    /// folder, or it is a folder that cannot be listed or written. Nothing is left behind (a
    /// missing parent is created).
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// host_train::atomic::OutputSet::check(&dir.path().join("run"))?;
    /// std::fs::write(dir.path().join("file"), "")?;
    /// let e = host_train::atomic::OutputSet::check(&dir.path().join("file/run")).unwrap_err();
    /// assert_eq!(e.path, dir.path().join("file/run"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`WriteError`] naming `out`.
    pub fn check(out: &Path) -> Result<(), WriteError> {
        let set = Self::begin(out).map_err(|e| WriteError {
            path: out.to_path_buf(),
            source: e.source,
        })?;
        let fail = io_fail(out);
        match fs::symlink_metadata(out) {
            Ok(meta) if meta.is_dir() => {
                fs::read_dir(out).map_err(&fail)?;
                // the folder's own permissions: a read-only folder is the user's "do not write"
                tempfile::tempfile_in(out).map_err(&fail)?;
            }
            Ok(_) => {
                return Err(fail(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    "the output path exists and is not a folder",
                )));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(fail(e)),
        }
        drop(set);
        Ok(())
    }

    /// The final path of `path` once the set is committed: a path inside the staging folder is
    /// mapped to the output folder, any other path is returned as it is (for error messages that
    /// must name the user's path).
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let set = host_train::atomic::OutputSet::begin(&dir.path().join("run"))?;
    /// let staged = set.staging_dir().join("a.png");
    /// assert_eq!(set.user_path(&staged), dir.path().join("run/a.png"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn user_path(&self, path: &Path) -> PathBuf {
        match path.strip_prefix(&self.staging) {
            Ok(relative) => self.out.join(relative),
            Err(_) => path.to_path_buf(),
        }
    }

    /// The staging folder, for writers that take a folder (e.g. the figures); register what they
    /// wrote with [`add_written`](Self::add_written).
    pub fn staging_dir(&self) -> &Path {
        &self.staging
    }

    /// The files written so far, relative to the folder, in order.
    pub fn files(&self) -> &[String] {
        &self.files
    }

    /// The final path of `relative` once the set is committed.
    pub fn final_path(&self, relative: &str) -> PathBuf {
        self.out.join(relative)
    }

    /// Writes `bytes` as `relative` (a file name or a path below the folder) into the set.
    ///
    /// # Errors
    /// [`WriteError`] naming the file's final path.
    pub fn write(&mut self, relative: &str, bytes: &[u8]) -> Result<PathBuf, WriteError> {
        self.write_with(relative, |w| w.write_all(bytes))
    }

    /// Writes `relative` into the set with a writer callback.
    ///
    /// # Errors
    /// [`WriteError`] naming the file's final path, with the callback's or the system's error.
    pub fn write_with(
        &mut self,
        relative: &str,
        fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> Result<PathBuf, WriteError> {
        let staged = self.staging.join(relative);
        let rename = |e: WriteError| WriteError {
            path: self.out.join(relative),
            source: e.source,
        };
        if let Some(dir) = staged.parent() {
            fs::create_dir_all(dir)
                .map_err(io_fail(dir))
                .map_err(rename)?;
        }
        write_with(&staged, fill).map_err(rename)?;
        self.files.push(relative.to_string());
        Ok(self.out.join(relative))
    }

    /// Registers a file that was written into [`staging_dir`](Self::staging_dir) by other means
    /// (given as its staged path or relative to the folder); returns its final path.
    ///
    /// # Errors
    /// [`WriteError`] when the file is not inside the staging folder or does not exist.
    pub fn add_written(&mut self, path: &Path) -> Result<PathBuf, WriteError> {
        let relative = path
            .strip_prefix(&self.staging)
            .unwrap_or(path)
            .to_path_buf();
        let staged = self.staging.join(&relative);
        if relative.is_absolute() || !staged.is_file() {
            return Err(io_fail(&self.user_path(path))(io::Error::new(
                io::ErrorKind::NotFound,
                "not a file of the output set's staging folder",
            )));
        }
        self.files.push(relative.to_string_lossy().into_owned());
        Ok(self.out.join(relative))
    }

    /// Replaces the output folder with the set; returns the final paths of the set's files in the
    /// order they were written.
    ///
    /// # Errors
    /// [`WriteError`] naming the folder; the previous folder is then intact and the staging folder
    /// removed.
    pub fn commit(mut self) -> Result<Vec<PathBuf>, WriteError> {
        let result = self.try_commit();
        self.done = result.is_ok();
        result?;
        Ok(self.files.iter().map(|f| self.out.join(f)).collect())
    }

    fn try_commit(&mut self) -> Result<(), WriteError> {
        let fail = io_fail(&self.out);
        let mut manifest = String::new();
        for f in &self.files {
            manifest.push_str(f);
            manifest.push('\n');
        }
        write(&self.staging.join(MANIFEST), manifest.as_bytes())?;
        let ours: BTreeSet<&str> = self.files.iter().map(String::as_str).collect();
        match fs::symlink_metadata(&self.out) {
            Ok(meta) if meta.is_dir() => {
                carry_over(&self.out, &self.staging, &ours).map_err(&fail)?;
                sync_dir(&self.staging);
                exchange(&self.staging, &self.out).map_err(&fail)?;
                // the staging name now holds the previous set
                let _ = fs::remove_dir_all(&self.staging);
            }
            Ok(_) => {
                return Err(fail(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    "the output path exists and is not a folder",
                )));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                sync_dir(&self.staging);
                fs::rename(&self.staging, &self.out).map_err(&fail)?;
            }
            Err(e) => return Err(fail(e)),
        }
        if let Some(parent) = self.out.parent().filter(|p| !p.as_os_str().is_empty()) {
            sync_dir(parent);
        }
        Ok(())
    }
}

impl Drop for OutputSet {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// `.<name>.staging-`: the prefix of an output set's staging folders beside `<name>`.
fn staging_prefix(name: &str) -> String {
    format!(".{name}.staging-")
}

/// Removes the staging folders of `name` left by runs that are no longer running.
fn remove_stale_staging(parent: &Path, name: &str) {
    let prefix = staging_prefix(name);
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file_name.strip_prefix(&prefix) else {
            continue;
        };
        let pid = rest.split('-').next().and_then(|p| p.parse::<u32>().ok());
        if pid.is_some_and(|p| p != std::process::id() && process_alive(p)) {
            continue;
        }
        if pid == Some(std::process::id()) {
            continue; // a set of this very process, still in use
        }
        let _ = fs::remove_dir_all(entry.path());
    }
}

#[cfg(target_os = "linux")]
fn process_alive(pid: u32) -> bool {
    Path::new("/proc").join(pid.to_string()).exists()
}

#[cfg(not(target_os = "linux"))]
fn process_alive(_pid: u32) -> bool {
    false
}

/// Whether `name` is a temporary file of [`write`] (`.<file>.<pid>.<n>.tmp`): never carried over.
fn is_temp_file(name: &str) -> bool {
    let Some(inner) = name.strip_prefix('.').and_then(|n| n.strip_suffix(".tmp")) else {
        return false;
    };
    let mut parts = inner.rsplitn(3, '.');
    let n = parts.next();
    let pid = parts.next();
    let file = parts.next();
    n.is_some_and(|n| n.parse::<u64>().is_ok())
        && pid.is_some_and(|p| p.parse::<u32>().is_ok())
        && file.is_some_and(|f| !f.is_empty())
}

/// Hard-links (or copies) into `staging` every entry of `out` that is neither in the previous set's
/// manifest, nor in the new set, nor a temporary file.
fn carry_over(out: &Path, staging: &Path, ours: &BTreeSet<&str>) -> io::Result<()> {
    let previous: BTreeSet<String> = fs::read_to_string(out.join(MANIFEST))
        .map(|m| m.lines().map(str::to_string).collect())
        .unwrap_or_default();
    let skip = |relative: &str| {
        relative == MANIFEST
            || ours.contains(relative)
            || previous.contains(relative)
            || Path::new(relative)
                .file_name()
                .is_some_and(|n| is_temp_file(&n.to_string_lossy()))
    };
    copy_tree(out, staging, Path::new(""), &skip)
}

fn copy_tree(
    from: &Path,
    to: &Path,
    relative: &Path,
    skip: &dyn Fn(&str) -> bool,
) -> io::Result<()> {
    for entry in fs::read_dir(from.join(relative))? {
        let entry = entry?;
        let rel = relative.join(entry.file_name());
        let rel_str = rel.to_string_lossy();
        if skip(&rel_str) {
            continue;
        }
        let kind = entry.file_type()?;
        let target = to.join(&rel);
        if kind.is_dir() {
            fs::create_dir_all(&target)?;
            copy_tree(from, to, &rel, skip)?;
            // a folder that held only files of the previous set goes with them
            let emptied = fs::read_dir(&target)?.next().is_none()
                && fs::read_dir(entry.path())?.next().is_some();
            if emptied {
                fs::remove_dir(&target)?;
            }
        } else if !target.exists() {
            if kind.is_symlink() {
                let link = fs::read_link(entry.path())?;
                #[cfg(unix)]
                std::os::unix::fs::symlink(link, &target)?;
                #[cfg(not(unix))]
                fs::copy(link, &target).map(|_| ())?;
            } else if fs::hard_link(entry.path(), &target).is_err() {
                fs::copy(entry.path(), &target)?;
            }
        }
    }
    Ok(())
}

/// Swaps the folders `a` and `b` in one step.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(io::Error::from)
}

/// Swaps the folders `a` and `b`: two renames (without an atomic exchange on this platform, a kill
/// between them leaves the previous set under a staging name).
#[cfg(not(target_os = "linux"))]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    let aside = a.with_extension("previous");
    fs::rename(b, &aside)?;
    if let Err(e) = fs::rename(a, b) {
        let _ = fs::rename(&aside, b);
        return Err(e);
    }
    fs::rename(&aside, a)
}

/// Makes renames in `dir` durable; not every platform can open a folder, so this is best effort.
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
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
        let text = crate::error_chain(&err);
        assert!(text.contains("out.txt"), "{text}");
        assert!(text.contains("simulated failure"), "{text}");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[cfg(unix)]
    #[test]
    fn written_files_get_the_mode_of_a_plain_create() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain.txt");
        fs::write(&plain, b"x").unwrap();
        let atomic = dir.path().join("atomic.txt");
        write(&atomic, b"x").unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&atomic), mode(&plain));
        assert_eq!(names(dir.path()), ["atomic.txt", "plain.txt"]);
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

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_set_replaces_the_previous_set_and_keeps_foreign_files() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let mut set = OutputSet::begin(&out).unwrap();
        set.write("a", b"1").unwrap();
        set.write("b", b"1").unwrap();
        set.write("sub/c", b"1").unwrap();
        set.commit().unwrap();
        // a user's file and a temporary file of a killed per-file write
        fs::write(out.join("notes.txt"), "mine").unwrap();
        fs::write(out.join(".a.4242.0.tmp"), "half").unwrap();
        let mut set = OutputSet::begin(&out).unwrap();
        set.write("a", b"2").unwrap();
        set.commit().unwrap();
        assert_eq!(names(&out), [MANIFEST, "a", "notes.txt"]);
        assert_eq!(fs::read(out.join("a")).unwrap(), b"2");
        assert_eq!(fs::read_to_string(out.join(MANIFEST)).unwrap(), "a\n");
        // nothing left beside the folder
        assert_eq!(names(dir.path()), ["out"]);
    }

    #[test]
    fn an_uncommitted_set_leaves_the_folder_untouched_and_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let mut set = OutputSet::begin(&out).unwrap();
        set.write("a", b"1").unwrap();
        set.commit().unwrap();
        {
            let mut set = OutputSet::begin(&out).unwrap();
            set.write("a", b"2").unwrap();
            let err = set
                .write_with("b", |w| {
                    w.write_all(b"partial")?;
                    Err(io::Error::other("disk full"))
                })
                .unwrap_err();
            assert_eq!(err.path, out.join("b"));
        }
        assert_eq!(fs::read(out.join("a")).unwrap(), b"1");
        assert_eq!(names(&out), [MANIFEST, "a"]);
        assert_eq!(names(dir.path()), ["out"]);
    }

    #[test]
    fn staging_folders_of_dead_runs_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        // pid 0 is never a user process: a dead run's leftover, with a partial file inside
        let stale = dir.path().join(format!("{}0-7", staging_prefix("out")));
        fs::create_dir(&stale).unwrap();
        fs::write(stale.join("params.bin"), "partial").unwrap();
        let set = OutputSet::begin(&out).unwrap();
        assert!(!stale.exists());
        drop(set);
        assert!(names(dir.path()).is_empty());
    }

    #[test]
    fn temp_file_names_are_recognised() {
        assert!(is_temp_file(".params.bin.123.0.tmp"));
        assert!(!is_temp_file("params.bin"));
        assert!(!is_temp_file(".x.tmp"));
        assert!(!is_temp_file(".notes.tmp"));
    }
}
