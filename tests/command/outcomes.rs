//! How a command ends: exit codes, signals, spawn errors, and what reaches
//! the program (argv, cwd, env).

use std::path::PathBuf;

use jobdeck::engine::Outcome;
use jobdeck::jobs::{CommandJob, CommandLineError};

use crate::support::{argv, failed, run, sh, temp_log};

#[test]
fn success_is_exit_code_zero_and_output_is_logged() {
    let dir = tempfile::tempdir().unwrap();
    let report = run(CommandJob::new(argv(&["echo", "hello", "world"])).log_file(temp_log(&dir)));
    match report.outcome() {
        Outcome::Succeeded(output) => {
            assert_eq!(output.exit_code, Some(0));
            assert_eq!(output.summary, "exited with code 0");
        }
        other => panic!("expected success, got {other:?}"),
    }
    assert_eq!(report.lines(), ["hello world"]);
}

#[test]
fn a_non_zero_exit_code_fails_with_the_code() {
    let dir = tempfile::tempdir().unwrap();
    let report = run(sh("echo fine; exit 3").log_file(temp_log(&dir)));
    assert_eq!(failed(&report), ("exited with code 3".to_owned(), Some(3)));
}

#[test]
fn a_failure_says_the_last_lines_of_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let script = "echo starting; for n in 1 2 3 4 5 6 7; do echo problem $n >&2; done; \
                  echo >&2; echo jobdeck:progress 0.5 >&2; echo done; exit 3";
    let report = run(sh(script).log_file(temp_log(&dir)));
    // Blank lines and jobdeck's own lines are not worth showing.
    assert_eq!(
        failed(&report),
        (
            "exited with code 3; last lines on stderr:\n\
             problem 3\nproblem 4\nproblem 5\nproblem 6\nproblem 7"
                .to_owned(),
            Some(3)
        )
    );
}

#[test]
fn long_stderr_lines_are_shortened_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let report = run(sh("printf '%0500d\\n' 0 >&2; kill -9 $$").log_file(temp_log(&dir)));
    let (error, _) = failed(&report);
    let (first, tail) = error.split_once('\n').unwrap();
    assert_eq!(first, "killed by signal 9 (SIGKILL); last lines on stderr:");
    assert_eq!(tail, format!("{}…", "0".repeat(256)));
}

#[test]
fn a_signal_fails_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let report = run(sh("kill -9 $$").log_file(temp_log(&dir)));
    assert_eq!(
        failed(&report),
        ("killed by signal 9 (SIGKILL)".to_owned(), None)
    );
}

#[test]
fn spawn_failures_say_which() {
    let dir = tempfile::tempdir().unwrap();
    let report = run(CommandJob::new(argv(&["no-such-program-jobdeck"])).log_file(temp_log(&dir)));
    assert_eq!(
        failed(&report).0,
        "program not found: no-such-program-jobdeck"
    );

    let script = dir.path().join("not-executable.sh");
    std::fs::write(&script, "#!/bin/sh\necho hi\n").unwrap();
    let script = script.to_str().unwrap().to_owned();
    let report = run(CommandJob::new(vec![script.clone()]).log_file(temp_log(&dir)));
    assert_eq!(failed(&report).0, format!("permission denied: {script}"));

    let report = run(CommandJob::new(argv(&["true"]))
        .cwd(PathBuf::from("/no/such/dir/jobdeck"))
        .log_file(temp_log(&dir)));
    assert_eq!(
        failed(&report).0,
        "working directory not found: /no/such/dir/jobdeck"
    );
}

#[test]
fn cwd_and_env_reach_the_program() {
    let dir = tempfile::tempdir().unwrap();
    let report = run(
        CommandJob::new(argv(&["sh", "-c", "pwd; echo \"$GREETING\""]))
            .cwd(dir.path().to_path_buf())
            .env("GREETING", "hi there")
            .log_file(temp_log(&dir)),
    );
    let expected = dir.path().canonicalize().unwrap();
    assert_eq!(report.lines(), [expected.to_str().unwrap(), "hi there"]);
}

#[test]
fn argv_is_not_a_shell_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let report = run(CommandJob::new(argv(&["echo", "$HOME", "|", "wc"])).log_file(temp_log(&dir)));
    assert_eq!(report.lines(), ["$HOME | wc"]);
    let report = run(CommandJob::new(argv(&["echo", "a b", "|", "wc", "-w"]))
        .shell(true)
        .log_file(temp_log(&dir)));
    assert_eq!(report.lines(), ["2"]);
}

#[test]
fn from_command_line_splits_like_a_shell() {
    let job = CommandJob::from_command_line(r#"grep -n "two words" 'file name.txt'"#).unwrap();
    assert_eq!(
        job.argv(),
        argv(&["grep", "-n", "two words", "file name.txt"])
    );
    assert_eq!(job.command_line(), r"grep -n 'two words' 'file name.txt'");
    assert_eq!(
        CommandJob::from_command_line("   ").unwrap_err(),
        CommandLineError::Empty
    );
    assert_eq!(
        CommandJob::from_command_line("'' x").unwrap_err(),
        CommandLineError::Empty
    );
    assert_eq!(
        CommandJob::from_command_line("echo 'open").unwrap_err(),
        CommandLineError::Unbalanced
    );
}
