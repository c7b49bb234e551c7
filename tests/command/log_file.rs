//! The full log file on disk.

use std::path::Path;

use jobdeck::engine::{NewJob, Outcome, Pool};
use jobdeck::jobs::CommandJob;

use crate::common::{PATIENCE, wait_until};
use crate::support::{argv, collect, failed, finish, run, sh, temp_log};

#[test]
fn the_log_file_holds_every_line() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("deeper/still/job.log");
    let report = run(CommandJob::new(argv(&["seq", "1", "20000"])).log_file(log.clone()));
    assert!(matches!(report.outcome(), Outcome::Succeeded(_)));
    let text = std::fs::read_to_string(&log).unwrap();
    let expected = (1..=20000).fold(String::new(), |mut text, n| {
        text.push_str(&n.to_string());
        text.push('\n');
        text
    });
    assert_eq!(text, expected);
}

#[test]
fn a_silent_program_leaves_no_log_file_and_a_talking_one_does() {
    let dir = tempfile::tempdir().unwrap();
    let silent = dir.path().join("silent/job.log");
    let report = run(CommandJob::new(argv(&["true"])).log_file(silent.clone()));
    assert!(matches!(report.outcome(), Outcome::Succeeded(_)));
    assert!(
        !silent.exists(),
        "a silent program should leave no log file"
    );
    assert!(!dir.path().join("silent").exists(), "nor its directory");

    let talking = dir.path().join("talking/job.log");
    let report = run(sh("echo said; echo more >&2").log_file(talking.clone()));
    assert!(matches!(report.outcome(), Outcome::Succeeded(_)));
    assert_eq!(std::fs::read_to_string(&talking).unwrap(), "said\nmore\n");
}

#[test]
fn retries_append_to_the_same_log() {
    let dir = tempfile::tempdir().unwrap();
    let log = temp_log(&dir);
    let (pool, mut events) = Pool::new(1).unwrap();
    let id = pool
        .submit(NewJob::new(sh("echo try; exit 1").log_file(log.clone())).retries(1))
        .unwrap();
    let report = collect(&mut events, id);
    assert_eq!(failed(&report).0, "exited with code 1");
    assert_eq!(
        std::fs::read_to_string(Path::new(&log)).unwrap(),
        "try\n--- jobdeck: attempt 2 ---\ntry\n"
    );
}

#[test]
fn a_retry_after_a_silent_attempt_starts_the_log_with_its_separator() {
    let dir = tempfile::tempdir().unwrap();
    let log = temp_log(&dir);
    let (pool, mut events) = Pool::new(1).unwrap();
    let script = r#"if [ "$JOBDECK_ATTEMPT" = 2 ]; then echo second; fi; exit 1"#;
    let id = pool
        .submit(NewJob::new(sh(script).log_file(log.clone())).retries(1))
        .unwrap();
    let report = collect(&mut events, id);
    assert_eq!(failed(&report).0, "exited with code 1");
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "--- jobdeck: attempt 2 ---\nsecond\n"
    );
}

#[test]
fn slow_output_reaches_the_file_while_the_program_runs() {
    let dir = tempfile::tempdir().unwrap();
    let log = temp_log(&dir);
    let (pool, mut events) = Pool::new(1).unwrap();
    let id = pool
        .submit(NewJob::new(
            sh("echo one; echo two; exec sleep 1000").log_file(log.clone()),
        ))
        .unwrap();
    wait_until(
        "both lines in the file while the job runs",
        PATIENCE,
        || std::fs::read_to_string(&log).is_ok_and(|text| text == "one\ntwo\n"),
    );
    assert!(pool.stop(id), "the job was still running");
    assert_eq!(finish(&mut events, id), Outcome::Stopped);
}
