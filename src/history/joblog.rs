//! GNU parallel's joblog: one tab-separated line per job that ran, under
//! the header `Seq Host Starttime JobRuntime Send Receive Exitval Signal
//! Command`, so `parallel --resume`, `--resume-failed` and the tools made
//! for parallel's joblog read jobdeck's.
//!
//! As parallel writes it: `Seq` is the job's number ({#}: its place in the
//! job file), `Host` is `:` (this machine), `Starttime` is Unix seconds with
//! three decimals, `JobRuntime` seconds with three decimals right-aligned in
//! ten characters, `Send` and `Receive` are 0 (nothing is transferred),
//! `Exitval` and `Signal` are the program's exit code and the signal that
//! killed it (0 and 0 for success: parallel's `--resume-failed` re-runs
//! every line that is not), and newlines in the command become NUL bytes.
//! A job that ended without an exit status of its own (a timeout, a stop,
//! a program that could not start, a demo job's failure) has `Exitval` -1.
//! Jobs that never started (cancelled, skipped) or did not get to end
//! (interrupted) have no line: parallel runs them again on `--resume`.

use std::fmt;

use super::{JobRecord, JobState};

/// The first line of a joblog.
pub const HEADER: &str =
    "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand";

/// One job's line.
#[derive(Clone, Debug, PartialEq)]
pub struct JoblogLine {
    /// The job's number.
    pub seq: u32,
    /// When it (its last attempt) started, in Unix seconds.
    pub start_secs: f64,
    /// How long it ran, in seconds.
    pub runtime_secs: f64,
    /// Its exit code; -1 when it ended without one.
    pub exit_val: i32,
    /// The signal that killed it, or 0.
    pub signal: i32,
    /// What it ran, in one line.
    pub command: String,
}

impl JoblogLine {
    /// The line of a job that ended as `state`, or `None` when it has none
    /// (see the module docs).
    #[must_use]
    pub fn new(
        seq: u32,
        state: JobState,
        exit_code: Option<i32>,
        signal: Option<i32>,
        start_secs: f64,
        runtime_secs: f64,
        command: String,
    ) -> Option<Self> {
        let (exit_val, signal) = match state {
            JobState::Succeeded => (exit_code.unwrap_or(0), 0),
            JobState::Failed => match (exit_code, signal) {
                (Some(code), _) => (code, 0),
                // As parallel: a killed program has exit value 0 and its signal.
                (None, Some(signal)) => (0, signal),
                (None, None) => (-1, 0),
            },
            JobState::TimedOut | JobState::Stopped => (-1, signal.unwrap_or(0)),
            JobState::Queued
            | JobState::Running
            | JobState::Cancelled
            | JobState::Skipped
            | JobState::Interrupted => return None,
        };
        Some(Self {
            seq,
            start_secs,
            runtime_secs,
            exit_val,
            signal,
            command,
        })
    }

    /// The line of a recorded job, with `command` for what it ran.
    #[must_use]
    pub fn of_record(job: &JobRecord, command: String) -> Option<Self> {
        let started = job.started_at?;
        Self::new(
            job.seq,
            job.state,
            job.exit_code,
            job.signal,
            started,
            job.runtime_secs().unwrap_or(0.0),
            command,
        )
    }
}

impl fmt::Display for JoblogLine {
    /// The line without its newline.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Parallel truncates the runtime to milliseconds before printing.
        let runtime = (self.runtime_secs.max(0.0) * 1000.0).floor() / 1000.0;
        write!(
            f,
            "{}\t:\t{:.3}\t{:10.3}\t0\t0\t{}\t{}\t{}",
            self.seq,
            self.start_secs,
            runtime,
            self.exit_val,
            self.signal,
            self.command.replace('\n', "\0")
        )
    }
}

/// The signal number in a command job's error, "killed by signal 9
/// (SIGKILL)" (as `jobs::process::describe_exit` words it; the history's
/// tests check the two agree on a real killed program).
#[must_use]
pub fn signal_of(error: &str) -> Option<i32> {
    let rest = error.strip_prefix("killed by signal ")?;
    let digits = rest.split(|c: char| !c.is_ascii_digit()).next()?;
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signal_is_read_from_a_commands_error() {
        assert_eq!(signal_of("killed by signal 9 (SIGKILL)"), Some(9));
        assert_eq!(signal_of("killed by signal 15"), Some(15));
        assert_eq!(signal_of("exited with code 1"), None);
    }

    #[test]
    fn lines_read_as_parallels() {
        let line = JoblogLine::new(
            3,
            JobState::Failed,
            Some(2),
            None,
            1_700_000_000.123_456,
            1.5,
            "sh -c 'exit 2'".to_owned(),
        )
        .unwrap();
        assert_eq!(
            line.to_string(),
            "3\t:\t1700000000.123\t     1.500\t0\t0\t2\t0\tsh -c 'exit 2'"
        );
    }

    #[test]
    fn success_is_zero_zero_and_a_signal_is_its_own_column() {
        let ok = JoblogLine::new(
            1,
            JobState::Succeeded,
            Some(0),
            None,
            0.0,
            0.0,
            "true".into(),
        );
        assert_eq!((ok.as_ref().unwrap().exit_val, ok.unwrap().signal), (0, 0));
        let killed = JoblogLine::new(1, JobState::Failed, None, Some(9), 0.0, 0.0, "x".into());
        assert_eq!(
            (killed.as_ref().unwrap().exit_val, killed.unwrap().signal),
            (0, 9)
        );
        let timed_out = JoblogLine::new(1, JobState::TimedOut, None, None, 0.0, 0.0, "x".into());
        assert_eq!(timed_out.unwrap().exit_val, -1);
    }

    #[test]
    fn jobs_that_never_ran_or_never_ended_have_no_line() {
        for state in [
            JobState::Cancelled,
            JobState::Skipped,
            JobState::Interrupted,
        ] {
            assert_eq!(
                JoblogLine::new(1, state, None, None, 0.0, 0.0, "x".into()),
                None
            );
        }
    }

    #[test]
    fn newlines_in_a_command_become_nul_as_parallel_writes_them() {
        let line =
            JoblogLine::new(1, JobState::Succeeded, None, None, 0.0, 0.0, "a\nb".into()).unwrap();
        assert!(line.to_string().ends_with("a\0b"));
    }
}
