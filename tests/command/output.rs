//! What a command prints: progress, samples and log lines read from it.

use jobdeck::engine::Outcome;
use regex::Regex;

use crate::support::{run, sh, temp_log};

#[test]
fn carriage_return_percentages_become_progress() {
    let dir = tempfile::tempdir().unwrap();
    let report =
        run(sh(r"printf ' 10%%|#   |\r 50%%|##  |\r100%%|####|\n'").log_file(temp_log(&dir)));
    assert!(matches!(report.outcome(), Outcome::Succeeded(_)));
    assert_eq!(report.progress().last(), Some(&1.0));
    assert_eq!(report.lines(), [" 10%|#   |", " 50%|##  |", "100%|####|"]);
}

#[test]
fn fractions_become_progress() {
    let dir = tempfile::tempdir().unwrap();
    let report = run(sh("echo '[ 3/4] building'").log_file(temp_log(&dir)));
    assert_eq!(report.progress(), [0.75]);
}

#[test]
fn a_progress_regex_replaces_the_heuristics() {
    let dir = tempfile::tempdir().unwrap();
    let report = run(sh("echo 'file 1 of 4 (90%)'")
        .progress_regex(Regex::new(r"file (\d+) of (\d+)").unwrap())
        .log_file(temp_log(&dir)));
    assert_eq!(report.progress(), [0.25]);
}

#[test]
fn jobdeck_lines_become_progress_and_samples_not_log() {
    let dir = tempfile::tempdir().unwrap();
    let log = temp_log(&dir);
    let report = run(sh(
        "echo jobdeck:progress 0.4; echo jobdeck:sample loss 1 0.5; echo jobdeck:sample loss 2 0.25; echo plain",
    )
    .log_file(log.clone()));
    assert_eq!(report.progress(), [0.4]);
    assert_eq!(report.samples("loss"), [[1.0, 0.5], [2.0, 0.25]]);
    assert_eq!(report.lines(), ["plain"]);
    // The file keeps everything.
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        text,
        "jobdeck:progress 0.4\njobdeck:sample loss 1 0.5\njobdeck:sample loss 2 0.25\nplain\n"
    );
}

#[test]
fn stdout_and_stderr_lines_keep_the_order_they_were_written_in() {
    let dir = tempfile::tempdir().unwrap();
    let log = temp_log(&dir);
    let report = run(sh("echo 1; echo 2 >&2; echo 3; echo 4 >&2").log_file(log.clone()));
    assert_eq!(report.lines(), ["1", "2", "3", "4"]);
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "1\n2\n3\n4\n");
}
