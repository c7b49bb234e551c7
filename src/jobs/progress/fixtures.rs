//! The progress read from real programs' output, recorded byte for byte in
//! `tests/fixtures/progress/` (see its README), against the curve each
//! should give.

use std::path::{Path, PathBuf};

use super::{ProgressFormat, ProgressReader, ProgressRegex};
use crate::term::Terminal;

fn folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/progress")
}

/// The chunks of a recording, each with the stream it was read from.
fn chunks(name: &str) -> Vec<(String, Vec<u8>)> {
    let path = folder().join(format!("{name}.jsonl"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    text.lines()
        .map(|line| {
            let chunk: serde_json::Value = serde_json::from_str(line).unwrap();
            let stream = chunk["stream"].as_str().unwrap().to_owned();
            let bytes = match (chunk["text"].as_str(), chunk["hex"].as_str()) {
                (Some(text), _) => text.as_bytes().to_vec(),
                (None, Some(hex)) => (0..hex.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                    .collect(),
                _ => panic!("{name}: a chunk with neither text nor hex: {line}"),
            };
            (stream, bytes)
        })
        .collect()
}

/// What jobdeck reports reading the recording in `format`: the chunks go
/// through one terminal per stream, in the order they were read, as the
/// reader thread feeds them, and progress is read as a command job reads
/// it: from the lines each chunk ended and the frames it returned over
/// (`\r`), then from the line under the cursor unless it is mid-redraw.
fn curve(name: &str, format: &ProgressFormat) -> Vec<f32> {
    let mut reader = ProgressReader::new(format);
    let mut stdout = Terminal::reporting_returns();
    let mut stderr = Terminal::reporting_returns();
    let mut curve = Vec::new();
    let mut read = |line: crate::term::Line| {
        if let Some(value) = reader.read(&line.text, line.redrawn) {
            curve.push(value);
        }
    };
    for (stream, bytes) in chunks(name) {
        let terminal = if stream == "stdout" {
            &mut stdout
        } else {
            &mut stderr
        };
        terminal.feed(&bytes, |ended| read(ended.to_line()));
        if let Some(line) = terminal.take_redraw().filter(|line| !line.cursor_inside) {
            read(line);
        }
    }
    stdout.finish(|ended| read(ended.to_line()));
    stderr.finish(|ended| read(ended.to_line()));
    curve
}

fn expected(curve_name: &str) -> Vec<f32> {
    let path = folder().join(format!("{curve_name}.curve"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()))
        .lines()
        .map(|line| line.parse().unwrap())
        .collect()
}

/// Compares to the 4 decimals the curve files keep.
fn assert_curve(curve_name: &str, actual: &[f32]) {
    let expected = expected(curve_name);
    let same = actual.len() == expected.len()
        && actual
            .iter()
            .zip(&expected)
            .all(|(a, e)| (a - e).abs() < 6e-5);
    assert!(
        same,
        "{curve_name}: read {} values, expected {}\n  read:     {actual:?}\n  expected: {expected:?}",
        actual.len(),
        expected.len()
    );
}

fn assert_auto(name: &str) {
    assert_curve(name, &curve(name, &ProgressFormat::Auto));
}

#[test]
fn curl_meter_without_percent_signs() {
    assert_auto("curl-meter");
}

#[test]
fn curl_bar() {
    assert_auto("curl-bar");
}

#[test]
fn wget_dots_and_bar() {
    assert_auto("wget-dot");
    assert_auto("wget-bar");
}

#[test]
fn rsync_overall_progress() {
    assert_auto("rsync-progress2");
}

#[test]
fn rsync_per_file_progress_does_not_jump_back() {
    assert_auto("rsync-progress");
}

#[test]
fn pv_bar() {
    assert_auto("pv-f");
}

#[test]
fn pv_bare_numbers_need_a_regex() {
    assert_auto("pv-n");
    let regex = ProgressFormat::Regex(ProgressRegex::new(r"^(\d+)$").unwrap());
    assert_curve("pv-n.regex", &curve("pv-n", &regex));
}

#[test]
fn dd_without_a_total_stays_unknown() {
    assert_auto("dd-progress");
}

#[test]
fn ffmpeg_time_out_of_the_duration() {
    assert_auto("ffmpeg-progress");
    assert_auto("ffmpeg-stats");
}

#[test]
fn git_clone_phases_on_one_scale() {
    assert_auto("git-clone");
}

#[test]
fn ratios_and_disk_use_are_not_progress() {
    assert_auto("gzip-v");
    assert_auto("df-h");
}

#[test]
fn a_message_printed_onto_a_tqdm_line_does_not_win() {
    assert_auto("tqdm-disk-message");
}

/// The false positives above are real: the old rule (the last percentage
/// on any line) reads them all, so the fixtures can tell.
#[test]
fn the_percent_format_reads_what_auto_leaves() {
    for name in ["gzip-v", "df-h"] {
        assert!(
            !curve(name, &ProgressFormat::Percent).is_empty(),
            "{name} has percentages"
        );
    }
    let tqdm = curve("tqdm-disk-message", &ProgressFormat::Percent);
    assert!(tqdm.contains(&0.95), "{tqdm:?}");
}
