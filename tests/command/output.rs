//! What a command prints: progress, samples and log lines read from it.

use jobdeck::engine::{LineStatus, LogLine, Outcome, Stream};
use jobdeck::jobs::{ProgressFormat, ProgressRegex};
use jobdeck::term::MAX_LINE_CHARS;

use crate::support::{run, sh, temp_log};

/// A line the program ended on `stream`.
fn ended(stream: Stream, text: &str) -> LogLine {
    LogLine {
        text: text.to_owned(),
        stream,
        status: LineStatus::Finished,
        ..LogLine::default()
    }
}

#[test]
fn a_bar_redrawn_with_carriage_returns_is_one_line_and_drives_progress() {
    let dir = tempfile::tempdir().unwrap();
    let log = temp_log(&dir);
    // Each redraw waits until jobdeck has read it (it is in the full log),
    // so each reaches jobdeck on its own.
    let script = format!(
        r#"for bar in ' 10%|#   |' ' 50%|##  |'; do
            printf '\r%s' "$bar"
            until grep -qsF "$bar" {log}; do sleep 0.01; done
          done
          printf '\r100%%|####|\n'"#,
        log = log.display()
    );
    let report = run(sh(&script).log_file(log.clone()));
    assert!(matches!(report.outcome(), Outcome::Succeeded(_)));
    assert_eq!(report.progress().last(), Some(&1.0));
    assert_eq!(report.lines(), ["100%|####|"], "one line, as it ended");
    // Redraws may be coalesced, but each shows the bar as it stood.
    let redraws = report.redraws();
    assert!(!redraws.is_empty());
    for redraw in &redraws {
        assert!(
            [" 10%|#   |", " 50%|##  |"].contains(&redraw.text.as_str()),
            "{redraw:?}"
        );
    }
    // The file keeps the bytes as the program wrote them.
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "\r 10%|#   |\r 50%|##  |\r100%|####|\n"
    );
}

#[test]
fn colours_leave_the_text_and_become_styles_and_the_file_keeps_them() {
    let dir = tempfile::tempdir().unwrap();
    let log = temp_log(&dir);
    // Any percentage counts here: `auto` would see no display in this line.
    let report = run(sh(r"printf '\033[31mred\033[0m ok 42%%\n'")
        .progress(ProgressFormat::Percent)
        .log_file(log.clone()));
    let lines = report.log_lines();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].text, "red ok 42%");
    assert_eq!(lines[0].styles.len(), 1);
    assert_eq!(lines[0].styles[0].range(), 0..3);
    assert_eq!(report.progress(), [0.42]);
    assert_eq!(std::fs::read(&log).unwrap(), b"\x1b[31mred\x1b[0m ok 42%\n");
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
            ended(Stream::Stdout, "1"),
            ended(Stream::Stderr, "2"),
            ended(Stream::Stdout, "3"),
            ended(Stream::Stderr, "4"),
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
    assert_eq!(
        lines,
        [
            ended(Stream::Stderr, "err"),
            ended(Stream::Stdout, "out more")
        ]
    );
}

#[test]
fn a_line_longer_than_the_cap_is_cut_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let log = temp_log(&dir);
    let length = MAX_LINE_CHARS + 100;
    let report = run(sh(&format!(
        "head -c {length} /dev/zero | tr '\\0' x; echo; echo after"
    ))
    .log_file(log.clone()));
    assert!(matches!(report.outcome(), Outcome::Succeeded(_)));
    let lines = report.lines();
    assert_eq!(lines.len(), 3, "the cut piece, the rest, then `after`");
    let (kept, note) = lines[0].split_at(MAX_LINE_CHARS);
    assert!(kept.bytes().all(|byte| byte == b'x'));
    assert!(
        note.contains("cut at 65,536 characters"),
        "the cut line says so: {note:?}"
    );
    assert_eq!(lines[1], "x".repeat(100));
    assert_eq!(lines[2], "after");
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        text,
        format!("{}\nafter\n", "x".repeat(length)),
        "the full log keeps the line whole"
    );
}
