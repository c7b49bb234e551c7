use std::io::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use super::*;
use crate::engine::{LineStatus, LogLine, Stream};

fn far() -> Instant {
    Instant::now() + Duration::from_secs(60)
}

/// Writes a log and its marks: each piece is who wrote it and the bytes.
fn write_log(path: &Path, pieces: &[(Mark, &[u8])]) {
    let mut log = Vec::new();
    let mut marks = Vec::new();
    for (mark, bytes) in pieces {
        marks.extend_from_slice(&encode(log.len() as u64, *mark));
        log.extend_from_slice(bytes);
    }
    std::fs::write(path, log).unwrap();
    std::fs::write(marks_path(path), marks).unwrap();
}

const OUT: Mark = Mark::From(Origin::Program(Stream::Stdout));
const ERR: Mark = Mark::From(Origin::Program(Stream::Stderr));
const NOTE: Mark = Mark::From(Origin::Jobdeck);

fn all_lines(log: &mut FullLog) -> Vec<LogLine> {
    assert!(log.refresh(far()).caught_up);
    log.lines_in(0..log.lines())
        .into_iter()
        .map(|(_, line)| line)
        .collect()
}

fn texts(lines: &[LogLine]) -> Vec<&str> {
    lines.iter().map(|line| line.text.as_str()).collect()
}

#[test]
fn streams_come_apart_and_each_keeps_its_own_unfinished_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("job.log");
    write_log(
        &path,
        &[
            (OUT, b"compiling "),
            (ERR, b"\x1b[31mwarning\x1b[0m\n\r 10%"),
            (OUT, b"done\n"),
            (ERR, b"\r 50%"),
            (NOTE, b"jobdeck: paused\n"),
        ],
    );
    let mut log = FullLog::new(&path);
    let lines = all_lines(&mut log);
    assert_eq!(
        texts(&lines),
        ["warning", "compiling done", "jobdeck: paused"]
    );
    assert_eq!(lines[0].stream, Stream::Stderr);
    assert_eq!(lines[0].styles.len(), 1);
    assert_eq!(lines[1].stream, Stream::Stdout);
    assert_eq!(lines[1].status, LineStatus::Finished);
    assert_eq!(lines[2].status, LineStatus::Standalone);
    let unfinished = log.unfinished();
    assert_eq!(texts(&unfinished), [" 50%"]);
    assert_eq!(unfinished[0].stream, Stream::Stderr);
}

#[test]
fn the_end_of_an_attempt_ends_its_lines_and_resets_the_style() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("job.log");
    write_log(
        &path,
        &[
            (OUT, b"\x1b[32mgreen, no newline"),
            (Mark::EndOfAttempt, b""),
            (NOTE, b"--- jobdeck: attempt 2 ---\n"),
            (OUT, b"plain\n"),
        ],
    );
    let lines = all_lines(&mut FullLog::new(&path));
    assert_eq!(
        texts(&lines),
        ["green, no newline", "--- jobdeck: attempt 2 ---", "plain"]
    );
    assert!(lines[2].styles.is_empty(), "the new attempt starts plain");
}

#[test]
fn a_log_without_marks_is_all_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("job.log");
    std::fs::write(&path, "one\ntwo\n").unwrap();
    let lines = all_lines(&mut FullLog::new(&path));
    assert_eq!(texts(&lines), ["one", "two"]);
    assert!(lines.iter().all(|line| line.stream == Stream::Stdout));
}

#[test]
fn a_log_not_there_yet_is_empty_until_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("later.log");
    let mut log = FullLog::new(&path);
    assert!(log.refresh(far()).caught_up);
    assert_eq!(log.lines(), 0);
    std::fs::write(&path, "hello\n").unwrap();
    assert!(log.refresh(far()).changed);
    assert_eq!(log.lines(), 1);
}

/// A log of `count` lines, stderr every 7th, coloured every 3rd, with a
/// redrawn bar now and then.
fn big_log(path: &Path, count: usize) -> Vec<String> {
    let mut pieces: Vec<(Mark, Vec<u8>)> = Vec::new();
    let mut expected = Vec::new();
    for n in 0..count {
        let (mark, text) = if n % 7 == 0 {
            (ERR, format!("error {n}"))
        } else {
            (OUT, format!("line {n} of the log"))
        };
        let bytes = if n % 3 == 0 {
            format!("\x1b[1;3{}m{text}\x1b[0m\n", n % 8)
        } else if n % 11 == 0 {
            format!("\r 10%\r 90%\r{text}\x1b[K\n")
        } else {
            format!("{text}\n")
        };
        pieces.push((mark, bytes.into_bytes()));
        expected.push(text);
    }
    let borrowed: Vec<(Mark, &[u8])> = pieces
        .iter()
        .map(|(mark, bytes)| (*mark, bytes.as_slice()))
        .collect();
    write_log(path, &borrowed);
    expected
}

#[test]
fn any_line_reads_back_as_a_straight_replay_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.log");
    let expected = big_log(&path, 20_000);
    let mut log = FullLog::new(&path);
    assert!(log.refresh(far()).caught_up);
    assert_eq!(log.lines(), 20_000);
    // Jumps about, as scrolling does, across page bounds.
    for number in [19_999, 0, 255, 256, 257, 10_000, 511, 12_345, 19_998] {
        let line = log.line(number).unwrap().clone();
        assert_eq!(line.text, expected[usize::try_from(number).unwrap()]);
        let stream = if number % 7 == 0 {
            Stream::Stderr
        } else {
            Stream::Stdout
        };
        assert_eq!(line.stream, stream, "line {number}");
        assert_eq!(line.styles.is_empty(), number % 3 != 0, "line {number}");
    }
    assert!(log.line(20_000).is_none());
    let all: Vec<String> = log
        .lines_in(0..20_000)
        .into_iter()
        .map(|(_, line)| line.text)
        .collect();
    assert_eq!(all, expected);
}

#[test]
fn indexing_goes_as_far_as_the_deadline_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.log");
    big_log(&path, 50_000);
    let mut log = FullLog::new(&path);
    let refreshed = log.refresh(Instant::now());
    assert!(
        !refreshed.caught_up,
        "a deadline already past reads nothing"
    );
    assert_eq!(log.lines(), 0);
    let mut rounds = 0;
    while !log
        .refresh(Instant::now() + Duration::from_micros(200))
        .caught_up
    {
        rounds += 1;
    }
    assert!(rounds > 1, "took {rounds} rounds");
    assert_eq!(log.lines(), 50_000);
}

#[test]
fn a_growing_log_is_read_on_and_a_replaced_one_anew() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("grows.log");
    std::fs::write(&path, "a\nb\n").unwrap();
    let mut log = FullLog::new(&path);
    assert_eq!(texts(&all_lines(&mut log)), ["a", "b"]);
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    file.write_all(b"c\n\r 5%").unwrap();
    assert_eq!(texts(&all_lines(&mut log)), ["a", "b", "c"]);
    assert_eq!(texts(&log.unfinished()), [" 5%"]);
    std::fs::write(&path, "new\n").unwrap();
    assert_eq!(texts(&all_lines(&mut log)), ["new"]);
}

#[test]
fn the_index_stays_within_its_budget() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.log");
    big_log(&path, 200_000);
    let mut log = FullLog::with_index_budget(&path, 64 * 1024);
    assert!(log.refresh(far()).caught_up);
    assert!(log.index_bytes() <= 64 * 1024, "{}", log.index_bytes());
    assert_eq!(log.line(199_999).unwrap().text, "line 199999 of the log");
    assert_eq!(log.line(7).unwrap().text, "error 7");
}

#[test]
fn a_scan_hears_every_line_from_where_it_starts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.log");
    let expected = big_log(&path, 5_000);
    let mut log = FullLog::new(&path);
    assert!(log.refresh(far()).caught_up);
    let mut cursor = log.cursor_at(1_000);
    let mut heard = Vec::new();
    let mut text = String::new();
    assert!(log.scan(&mut cursor, far(), |number, line| {
        line.text_into(&mut text);
        heard.push((number, text.clone()));
    }));
    assert_eq!(heard.len(), 4_000);
    assert_eq!(heard[0], (1_000, expected[1_000].clone()));
    assert_eq!(heard.last().unwrap().1, expected[4_999]);
    assert_eq!(cursor.next_line(), 5_000);
}
