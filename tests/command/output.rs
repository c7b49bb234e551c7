//! What a command prints: progress, samples and log lines read from it.

use jobdeck::engine::{LogLine, Outcome};
use jobdeck::jobs::{MAX_LINE_BYTES, ProgressFormat, ProgressRegex};

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
        .progress(ProgressFormat::Regex(
            ProgressRegex::new(r"file (\d+) of (\d+)").unwrap(),
        ))
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
fn stderr_lines_are_marked_and_keep_their_place_among_stdout_lines() {
    let dir = tempfile::tempdir().unwrap();
    let log = temp_log(&dir);
    // Two pipes have no common order, so each line waits until jobdeck has
    // it in the full log before the next is written: whatever the timing,
    // the log must then show them in the order they were written.
    let script = format!(
        "for n in 1 2 3 4; do
           if [ $((n % 2)) = 0 ]; then echo $n >&2; else echo $n; fi
           until grep -qsx $n {log}; do sleep 0.01; done
         done",
        log = log.display()
    );
    let report = run(sh(&script).log_file(log.clone()));
    assert!(matches!(report.outcome(), Outcome::Succeeded(_)));
    assert_eq!(
        report.log_lines(),
        [
            LogLine::stdout("1"),
            LogLine::stderr("2"),
            LogLine::stdout("3"),
            LogLine::stderr("4"),
        ]
    );
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "1\n2\n3\n4\n");
}

#[test]
fn a_partial_line_on_one_stream_is_not_glued_to_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let report = run(sh("printf 'out '; echo err >&2; echo more").log_file(temp_log(&dir)));
    let mut lines = report.log_lines();
    lines.sort_by(|a, b| a.text.cmp(&b.text));
    assert_eq!(lines, [LogLine::stderr("err"), LogLine::stdout("out more")]);
}

#[test]
fn a_line_longer_than_the_cap_is_cut_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let log = temp_log(&dir);
    let length = MAX_LINE_BYTES + 100;
    let report = run(sh(&format!(
        "head -c {length} /dev/zero | tr '\\0' x; echo; echo after"
    ))
    .log_file(log.clone()));
    assert!(matches!(report.outcome(), Outcome::Succeeded(_)));
    let lines = report.lines();
    assert_eq!(lines.len(), 3, "the cut piece, the rest, then `after`");
    let (kept, note) = lines[0].split_at(MAX_LINE_BYTES);
    assert!(kept.bytes().all(|byte| byte == b'x'));
    assert!(
        note.contains("cut at 64 KiB"),
        "the cut line says so: {note:?}"
    );
    assert_eq!(lines[1], "x".repeat(100));
    assert_eq!(lines[2], "after");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains(note), "the full log says so too");
}
