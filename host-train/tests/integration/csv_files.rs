//! Every CSV host-train writes reads back with a standard CSV reader, text fields with commas and
//! quotes intact (RFC 4180 quoting, nothing altered); stroke recordings may be quoted.

use galling::V8Params;
use galling::averager::StrokeWindow;
use galling::features::StrokeFeatures;
use host_train::averaging::{StrokeRecord, average_stroke_file};
use host_train::dataset::{Dataset, Series};

fn read_back(path: &std::path::Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

#[test]
fn replay_csv_keeps_a_series_label_with_comma_and_quote() {
    let dir = tempfile::tempdir().unwrap();
    let label = "press 3, die \"A\"";
    let series = Series {
        label: label.to_string(),
        recorded_temperature: 165.0,
        temperature: 165.0,
        cof: vec![0.2, 0.21, 0.22, 0.6, 0.62],
        features: None,
    };
    let hot = Series {
        label: "170/b".to_string(),
        recorded_temperature: 170.0,
        temperature: 170.0,
        cof: vec![0.2, 0.6, 0.7],
        features: None,
    };
    let data = Dataset {
        series: vec![series.clone(), hot],
    };
    let d = host_train::train::MonitorOptions::default();
    let params = galling::family::ModelParams::from(V8Params::PUBLISHED_FIT.map(f64::from));
    let (package, _) =
        host_train::package::build(&params, &data, d.threshold, d.horizon, &d.target).unwrap();
    let rows = host_train::replay::replay_all(&package, &[series]).unwrap();
    let path = dir.path().join("replay.csv");
    host_train::replay::write_csv(&path, &rows).unwrap();
    let (header, back) = read_back(&path);
    assert_eq!(header.join(","), host_train::replay::CSV_HEADER);
    assert_eq!(back.len(), 5);
    for (i, row) in back.iter().enumerate() {
        assert_eq!(row.len(), header.len());
        assert_eq!(row[0], label);
        assert_eq!(row[1], i.to_string());
        assert_eq!(row[3].parse::<f64>().unwrap(), rows[0][i].cof);
    }
}

#[test]
fn strokes_csv_keeps_a_file_name_with_comma() {
    let dir = tempfile::tempdir().unwrap();
    let features = StrokeFeatures::<f64> {
        mean: 0.25,
        std: 0.01,
        samples: 40,
        breakaway_peak: 0.3,
        run_in_high_share: 0.0,
        run_in_samples: 50,
        exit_peak: 0.28,
        exit_samples: 70,
    };
    let records = [StrokeRecord {
        number: 7,
        path: dir.path().join("7_die,left.csv"),
        features,
    }];
    let path = host_train::averaging::write_csv(dir.path(), &records).unwrap();
    let (header, back) = read_back(&path);
    assert_eq!(header, ["stroke", "file", "samples", "mean", "std"]);
    assert_eq!(back[0][..3], ["7", "7_die,left.csv", "40"]);
    assert_eq!(back[0][3].parse::<f64>().unwrap(), 0.25);
    let path = host_train::averaging::write_features(dir.path(), &records).unwrap();
    let (header, back) = read_back(&path);
    assert_eq!(header, host_train::averaging::FEATURE_COLUMNS);
    assert_eq!(back[0][..3], ["7", "7_die,left.csv", "40"]);
    assert_eq!(back[0][5].parse::<f64>().unwrap(), 0.3);
    assert_eq!(back[0][9], "70");
}

#[test]
fn simulated_trajectories_csv_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sim.csv");
    let runs = vec![vec![0.2, 0.25, 0.3], vec![0.21, 0.8]];
    host_train::simulation::write_trajectories_csv(&path, 167.5, &runs).unwrap();
    let (header, back) = read_back(&path);
    assert_eq!(header, ["run", "stroke", "temperature", "cof"]);
    assert_eq!(back.len(), 5);
    assert_eq!(back[4], ["1", "1", "167.5", "0.8"]);
}

#[test]
fn quoted_stroke_recordings_average_like_plain_ones() {
    let dir = tempfile::tempdir().unwrap();
    let mut plain = String::from("time,force_y,force_z,position_x\n");
    let mut quoted = String::from("\"time\",\"force_y\",\"force_z\",\"position_x\"\n");
    for i in 0..200 {
        let x = 0.8 - 0.0005 * f64::from(i); // sliding distance x0 - x: 0 to 99.5 mm
        let fy = 100.0 + f64::from(i % 5);
        plain.push_str(&format!("{i},{fy},500,{x}\n"));
        quoted.push_str(&format!("\"{i}\",\"{fy}\",\"500\",\"{x}\"\n"));
    }
    let (a, b) = (dir.path().join("1_a.csv"), dir.path().join("2_b.csv"));
    std::fs::write(&a, plain).unwrap();
    std::fs::write(&b, quoted).unwrap();
    let sa = average_stroke_file::<f64>(&a, StrokeWindow::default()).unwrap();
    let sb = average_stroke_file::<f64>(&b, StrokeWindow::default()).unwrap();
    assert!(sa.samples >= 2);
    assert_eq!(sa, sb);
}
