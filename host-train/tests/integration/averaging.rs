//! Stroke averaging: the `average` command and the core's streaming averager reproduce every line of
//! the shipped mean.txt and std.txt (f64 to 1e-9, the f32 firmware path to 1e-5), and malformed
//! stroke files are refused with file, line and column.

use crate::common;
use common::{read_lines, run_err, run_ok, s, shared_path};
use galling::averager::StrokeWindow;
use galling::features::FeatureSettings;
use host_train::averaging::{average_folder, average_stroke_file, stroke_files};
use std::path::Path;

const TEMPERATURES: [&str; 3] = ["165", "167.5", "170"];

#[test]
fn average_command_reproduces_every_shipped_line() {
    let Some(root) = shared_path("galling-data") else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    for t in TEMPERATURES {
        let dir = out.path().join(t);
        let stdout = run_ok(&[
            "average",
            s(&root.join(t).join("strokes")),
            "--out",
            s(&dir),
        ]);
        assert!(stdout.contains("strokes averaged"), "{stdout}");
        for name in ["mean.txt", "std.txt"] {
            let want_text = std::fs::read_to_string(root.join(t).join(name)).unwrap();
            let got_text = std::fs::read_to_string(dir.join(name)).unwrap();
            let want = read_lines(&root.join(t).join(name));
            let got = read_lines(&dir.join(name));
            assert_eq!(got.len(), want.len(), "{t}/{name}: line count");
            for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                assert!(
                    (g - w).abs() <= 1e-9,
                    "{t}/{name} line {}: got {g:e}, shipped {w:e}",
                    i + 1
                );
            }
            // Same NumPy `%.18e` layout: every line has the shipped line's shape.
            for (g, w) in got_text.lines().zip(want_text.lines()) {
                assert_eq!(g.len(), w.len(), "{t}/{name}: `{g}` vs `{w}`");
                assert_eq!(&g[g.len() - 4..], &w[w.len() - 4..], "{t}/{name}: exponent");
            }
        }
    }
}

#[test]
fn f32_averager_stays_within_1e_5_of_every_shipped_mean() {
    let Some(root) = shared_path("galling-data") else {
        return;
    };
    let mut worst = 0.0_f64;
    for t in TEMPERATURES {
        let want = read_lines(&root.join(t).join("mean.txt"));
        let got = average_folder::<f32>(
            &root.join(t).join("strokes"),
            FeatureSettings::DEFAULT,
            &host_train::progress::ignore,
        )
        .unwrap();
        assert_eq!(got.len(), want.len(), "{t}");
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            let d = (f64::from(g.features.mean) - w).abs();
            worst = worst.max(d);
            assert!(
                d <= 1e-5,
                "{t} stroke {}: f32 mean {} vs {w}",
                i + 1,
                g.features.mean
            );
        }
    }
    eprintln!("f32 averager: worst mean deviation {worst:e}");
}

#[test]
fn csv_output_has_one_row_per_stroke() {
    let Some(root) = shared_path("galling-data") else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    run_ok(&[
        "--quiet",
        "average",
        s(&root.join("170/strokes")),
        "--out",
        s(out.path()),
        "--csv",
    ]);
    let text = std::fs::read_to_string(out.path().join("strokes.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("stroke,file,samples,mean,std"));
    let want = read_lines(&root.join("170/mean.txt"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), want.len());
    for (row, w) in rows.iter().zip(&want) {
        let mean: f64 = row.split(',').nth(3).unwrap().parse().unwrap();
        assert!((mean - w).abs() <= 1e-9, "{row}");
    }
    assert!(!out.path().join("mean.txt").exists());
}

fn stroke_csv(rows: &[(f64, f64, f64)]) -> String {
    let mut s = String::from("timestamp,force_y,force_z,position_x,cof\n");
    for (i, (fy, fz, x)) in rows.iter().enumerate() {
        s.push_str(&format!("{i},{fy},{fz},{x},0\n"));
    }
    s
}

/// A synthetic stroke: COF 0.25 sliding 1 mm per sample from x = 0.8 m.
fn good_rows() -> Vec<(f64, f64, f64)> {
    (0..=70)
        .map(|i| (-2.5, -10.0, 0.8 - f64::from(i) * 1e-3))
        .collect()
}

#[test]
fn folder_order_follows_the_integer_prefix_not_the_name() {
    let dir = tempfile::tempdir().unwrap();
    for (name, cof) in [
        ("000100_b.csv", 0.3),
        ("00099_a.csv", 0.2),
        ("000101_c.csv", 0.4),
    ] {
        let rows: Vec<_> = good_rows()
            .iter()
            .map(|r| (-cof * 10.0, r.1, r.2))
            .collect();
        std::fs::write(dir.path().join(name), stroke_csv(&rows)).unwrap();
    }
    std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
    let files = stroke_files(dir.path()).unwrap();
    let numbers: Vec<u64> = files.iter().map(|f| f.0).collect();
    assert_eq!(numbers, [99, 100, 101]);
    let out = tempfile::tempdir().unwrap();
    run_ok(&["-q", "average", s(dir.path()), "--out", s(out.path())]);
    let means = read_lines(&out.path().join("mean.txt"));
    assert_eq!(means.len(), 3);
    for (m, w) in means.iter().zip([0.2, 0.3, 0.4]) {
        assert!((m - w).abs() < 1e-12, "{means:?}");
    }
    let stds = read_lines(&out.path().join("std.txt"));
    assert!(stds.iter().all(|s| s.abs() < 1e-12), "{stds:?}");
}

fn expect_error(name: &str, text: &str, wants: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    let e = average_stroke_file::<f64>(&path, StrokeWindow::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains(name), "{e}");
    for w in wants {
        assert!(e.contains(w), "expected `{w}` in: {e}");
    }
    // The command reports the same, and writes nothing.
    let out = dir.path().join("out");
    let stderr = run_err(&["average", s(dir.path()), "--out", s(&out)]);
    assert!(
        stderr.contains(name) && stderr.contains(wants[0]),
        "{stderr}"
    );
    assert!(!out.join("mean.txt").exists());
}

#[test]
fn malformed_stroke_files_name_file_line_and_column() {
    let mut text = stroke_csv(&good_rows());
    text = text.replacen("\n3,-2.5,", "\n3,oops,", 1);
    expect_error(
        "000001_text.csv",
        &text,
        &[":5: column `force_y`: `oops` is not a number"],
    );

    let text = stroke_csv(&good_rows()).replacen("\n7,-2.5,-10,", "\n7,-2.5,NaN,", 1);
    expect_error(
        "000002_nan.csv",
        &text,
        &[":9: column `force_z`: `NaN` is not finite"],
    );

    let text = stroke_csv(&good_rows()).replace("position_x", "pos_x");
    expect_error(
        "000003_missing.csv",
        &text,
        &[":1: column `position_x`: missing column"],
    );

    expect_error("000004_empty.csv", "", &["empty file"]);
    expect_error(
        "000005_header.csv",
        "timestamp,force_y,force_z,position_x\n",
        &["no samples"],
    );

    let text = stroke_csv(&good_rows()).replacen("\n10,-2.5,-10,0.79,0\n", "\n10,-2.5\n", 1);
    expect_error(
        "000006_short.csv",
        &text,
        &[":12: column `force_z`: row has 2 fields"],
    );

    let text = stroke_csv(&good_rows()).replacen("\n4,-2.5,-10,", "\n4,-2.5,0,", 1);
    expect_error(
        "000007_zero.csv",
        &text,
        &[":6: column `force_z`", "normal force"],
    );

    let short: Vec<_> = good_rows().into_iter().take(11).collect();
    expect_error(
        "000008_window.csv",
        &stroke_csv(&short),
        &["1 samples inside the sliding window"],
    );

    let text = stroke_csv(&good_rows()).replacen("\n2,-2.5,-10,0.798,", "\n2,-2.5,-10,5,", 1);
    expect_error(
        "000009_range.csv",
        &text,
        &[":4: column `position_x`", "encoder range"],
    );
}

#[test]
fn folder_errors() {
    let dir = tempfile::tempdir().unwrap();
    let e = stroke_files(dir.path()).unwrap_err().to_string();
    assert!(e.contains("no stroke files"), "{e}");
    std::fs::write(dir.path().join("stroke_1.csv"), stroke_csv(&good_rows())).unwrap();
    let e = stroke_files(dir.path()).unwrap_err().to_string();
    assert!(
        e.contains("stroke_1.csv") && e.contains("stroke number"),
        "{e}"
    );
    std::fs::remove_file(dir.path().join("stroke_1.csv")).unwrap();
    std::fs::write(dir.path().join("01_a.csv"), "").unwrap();
    std::fs::write(dir.path().join("1_b.csv"), "").unwrap();
    let e = stroke_files(dir.path()).unwrap_err().to_string();
    assert!(e.contains("stroke number 1 also belongs to"), "{e}");
    let e = stroke_files(&dir.path().join("missing"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("cannot read folder"), "{e}");
    assert!(!Path::new(&dir.path().join("missing")).exists());
}
