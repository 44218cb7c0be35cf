//! `train` writes its outputs as one set (issue 11): killed at any moment, the output folder holds
//! either the previous complete set or the new complete set; a failed run (a full disk) leaves the
//! previous set and nothing of its own; leftovers of killed runs are removed by the next run.

use crate::common;
use common::{repo_root, s};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// A fast training run (one L-BFGS path from the published fit, no figures) with `seed`.
fn train_command(out: &Path, seed: u64, plots: bool) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_host-train"));
    c.args([
        "-q",
        "train",
        "--data",
        s(&repo_root().join("data/demo")),
        "--out",
        s(out),
        "--start",
        s(&repo_root().join("data/v8-published-fit.json")),
        "--starts",
        "1",
        "--sim-runs",
        "5",
        "--seed",
        &seed.to_string(),
    ]);
    if !plots {
        c.arg("--no-plots");
    }
    c.stdout(Stdio::null()).stderr(Stdio::piped());
    c
}

/// Checks that `out` holds one complete set and returns the run's seed: every file the summary
/// lists is present (and nothing else of a set), params.json and summary.json name the same seed,
/// and the blob holds params.json's float32 rounding.
fn complete_set_seed(out: &Path) -> u64 {
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let seed = summary["optimizer"]["seed"].as_u64().unwrap();
    let mut listed: Vec<String> = summary["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_string())
        .collect();
    listed.push(host_train::atomic::MANIFEST.to_string());
    listed.sort();
    let mut present: Vec<String> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    present.sort();
    assert_eq!(present, listed, "the folder holds exactly the listed set");
    let json = std::fs::read_to_string(out.join("params.json")).unwrap();
    assert!(
        json.contains(&format!(", seed {seed}) on ")),
        "params.json is from another run than summary.json (seed {seed})"
    );
    let (params, _) = host_train::params_file::load(&out.join("params.json")).unwrap();
    let blob = galling::blob::decode(&std::fs::read(out.join("params.bin")).unwrap()).unwrap();
    assert_eq!(
        *blob.params(),
        params.map(|v| v as f32),
        "params.bin is from another run"
    );
    seed
}

/// Entries beside the output folder other than the folder itself (staging folders).
fn beside(out: &Path) -> Vec<String> {
    let name = out.file_name().unwrap();
    std::fs::read_dir(out.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n != name)
        .map(|n| n.to_string_lossy().into_owned())
        .collect()
}

#[test]
fn killed_runs_leave_the_old_or_the_new_complete_set() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let started = Instant::now();
    let first = train_command(&out, 1, false).output().unwrap();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let run_time = started.elapsed();
    assert_eq!(complete_set_seed(&out), 1);
    // kill times spread over 10% .. 130% of a run, in a fixed shuffled order
    const KILLS: u64 = 16;
    let (mut old, mut new) = (0, 0);
    let mut current = 1;
    for i in 0..KILLS {
        let fraction = 0.1 + 1.2 * ((i * 7) % KILLS) as f64 / KILLS as f64;
        let seed = 100 + i;
        let mut child = train_command(&out, seed, false).spawn().unwrap();
        std::thread::sleep(run_time.mul_f64(fraction));
        let _ = child.kill();
        let _ = child.wait();
        let now = complete_set_seed(&out);
        assert!(
            now == current || now == seed,
            "kill {i}: the folder holds seed {now}, neither the old {current} nor the new {seed}"
        );
        if now == seed {
            new += 1;
        } else {
            old += 1;
        }
        current = now;
    }
    println!(
        "{KILLS} kills over a {run_time:?} run: {old} left the previous set, {new} the new set"
    );
    // a last complete run cleans what the killed ones left beside the folder
    let last = train_command(&out, 999, false).output().unwrap();
    assert!(last.status.success());
    assert_eq!(complete_set_seed(&out), 999);
    assert!(
        beside(&out).is_empty(),
        "left beside the output folder: {:?}",
        beside(&out)
    );
}

/// A tmpfs of `size` mounted on a fresh folder, unmounted on drop; `None` without the right to
/// mount (a skip that CI does not allow).
struct TinyDisk {
    mount_point: PathBuf,
    _dir: tempfile::TempDir,
}

impl TinyDisk {
    fn mount(size: &str) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Some(Self {
                mount_point: dir.path().to_path_buf(),
                _dir: dir,
            });
        }
        assert!(
            std::env::var_os("CI").is_none(),
            "cannot mount a tmpfs, and CI is set: the full-disk test must run in CI (as root)"
        );
        common::report_skip("cannot mount a tmpfs for the full-disk test (needs root)");
        None
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.mount_point).status();
    }
}

#[test]
fn a_full_disk_leaves_the_previous_set_and_nothing_else() {
    let Some(disk) = TinyDisk::mount("160k") else {
        return;
    };
    let out = disk.mount_point.join("out");
    // the set without figures fits (a few kB) ...
    let ok = train_command(&out, 1, false).output().unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert_eq!(complete_set_seed(&out), 1);
    // ... the figures (over 100 kB of PNG) do not
    let failed = train_command(&out, 2, true).output().unwrap();
    assert!(!failed.status.success());
    let err = String::from_utf8_lossy(&failed.stderr);
    assert!(
        err.contains("No space left on device") || err.contains("storage full"),
        "{err}"
    );
    assert_eq!(complete_set_seed(&out), 1);
    assert!(
        beside(&out).is_empty(),
        "left beside the output folder: {:?}",
        beside(&out)
    );
}

#[test]
fn an_output_path_that_is_a_file_is_refused_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::write(&out, "not a folder").unwrap();
    let failed = train_command(&out, 1, false).output().unwrap();
    assert!(!failed.status.success());
    let err = String::from_utf8_lossy(&failed.stderr);
    assert!(err.contains("not a folder") && err.contains("out"), "{err}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "not a folder");
    assert!(beside(&out).is_empty(), "{:?}", beside(&out));
}

/// The commands that write a set of files, each with an output folder `out` and data that does
/// not exist (`missing`): refused for the folder means refused before the data was read.
fn set_commands(out: &Path, missing: &Path) -> Vec<Vec<String>> {
    let params = repo_root().join("data/v8-published-fit.json");
    let (o, m, p) = (s(out), s(missing), s(&params));
    let lines: [&[&str]; 8] = [
        &["replay", "--params", p, "--data", m, "--out", o],
        &["validate", "--data", m, "--out", o],
        &["analyze", "--params", p, "--data", m, "--out", o],
        &["tune", "--data", m, "--out", o],
        &["tune", "merge", "--data", m, "--out", o, m],
        &["average", m, "--out", o],
        &["compare", "--data", m, "--out", o, "--models", "v9"],
        &["train", "--data", m, "--out", o],
    ];
    lines
        .iter()
        .map(|l| l.iter().map(|a| a.to_string()).collect())
        .collect()
}

/// Runs every set command on `out` and checks each is refused naming `out` (never a staging or
/// temporary path), before reading its (missing) data, and leaves nothing behind.
fn refuses_every_set_command(out: &Path, beside_dir: &Path) {
    let missing = beside_dir.join("no-such-data");
    for args in set_commands(out, &missing) {
        let run = Command::new(env!("CARGO_BIN_EXE_host-train"))
            .args(&args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&run.stderr);
        assert!(!run.status.success(), "{args:?} succeeded");
        assert!(
            err.contains(&format!("cannot write {}", out.display())),
            "{args:?}: {err}"
        );
        assert!(
            !err.contains("no-such-data"),
            "{args:?} read its data before refusing the folder: {err}"
        );
        let own = err.replace(s(beside_dir), "");
        assert!(
            !own.contains(".staging-") && !own.contains(".tmp"),
            "{args:?} names a staging path: {err}"
        );
    }
    let left: Vec<_> = std::fs::read_dir(beside_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().contains(".staging-"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn an_output_folder_below_a_file_is_refused_before_the_work() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, "not a folder").unwrap();
    refuses_every_set_command(&file.join("out"), dir.path());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "not a folder");
}

#[test]
fn a_read_only_output_folder_is_refused_before_the_work() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    std::fs::write(locked.join("old.txt"), "old").unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).unwrap();
    // root (or CAP_DAC_OVERRIDE) writes into a read-only folder anyway: nothing to test then
    if std::fs::write(locked.join("probe"), "").is_ok() {
        common::report_skip("a read-only folder is writable for this user (root)");
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
        return;
    }
    // the read-only folder itself, and a new folder inside it
    refuses_every_set_command(&locked, dir.path());
    refuses_every_set_command(&locked.join("out"), dir.path());
    assert_eq!(
        std::fs::read_to_string(locked.join("old.txt")).unwrap(),
        "old"
    );
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// `replay` into `out` with the temperature map `map`.
fn replay_command(out: &Path, map: &str, plots: bool) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_host-train"));
    c.args([
        "-q",
        "replay",
        "--params",
        s(&repo_root().join("data/v8-published-fit.json")),
        "--data",
        s(&repo_root().join("data/demo")),
        "--map",
        map,
        "--out",
        s(out),
    ]);
    if !plots {
        c.arg("--no-plots");
    }
    c.stdout(Stdio::null()).stderr(Stdio::piped());
    c
}

#[test]
fn a_replay_that_fills_the_disk_leaves_the_previous_set() {
    let Some(disk) = TinyDisk::mount("600k") else {
        return;
    };
    let out = disk.mount_point.join("out");
    // replay.csv alone (about 140 kB) fits ...
    let ok = replay_command(&out, "25:150", false).output().unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let before = std::fs::read(out.join("replay.csv")).unwrap();
    // ... the new set with its figures (over 1 MB) does not
    let failed = replay_command(&out, "25:160", true).output().unwrap();
    assert!(!failed.status.success());
    let err = String::from_utf8_lossy(&failed.stderr);
    assert!(
        err.contains("No space left on device") || err.contains("storage full"),
        "{err}"
    );
    assert!(
        err.contains(s(&out)) && !err.contains(".staging-"),
        "the error names the user's folder: {err}"
    );
    assert_eq!(
        std::fs::read(out.join("replay.csv")).unwrap(),
        before,
        "the previous replay.csv was replaced"
    );
    let mut present: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    present.sort();
    assert_eq!(present, [host_train::atomic::MANIFEST, "replay.csv"]);
    assert!(beside(&out).is_empty(), "{:?}", beside(&out));
}
