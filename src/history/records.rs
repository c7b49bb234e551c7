//! What the store holds, as Rust values: runs, jobs and their states.

use std::fmt;
use std::path::PathBuf;

use crate::engine::OutcomeKind;

/// A run's number in the history (`jobdeck history 12`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RunId(pub i64);

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Where a recorded job stands. The engine's outcomes, plus the states of a
/// job not ended yet, plus [`Interrupted`](Self::Interrupted).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JobState {
    /// Submitted, not started (or waiting for a retry).
    Queued,
    /// An attempt is running.
    Running,
    /// Ended well.
    Succeeded,
    /// Ended with an error on its last attempt.
    Failed,
    /// Stopped by a person (or Ctrl-C).
    Stopped,
    /// Ran past its timeout.
    TimedOut,
    /// Cancelled before it started.
    Cancelled,
    /// Never started: a dependency did not succeed.
    Skipped,
    /// Running when jobdeck died without stopping it: neither failed nor
    /// stopped, it did not get to end.
    Interrupted,
}

impl JobState {
    /// Every state, in the order counts are shown.
    pub const ALL: [Self; 9] = [
        Self::Queued,
        Self::Running,
        Self::Succeeded,
        Self::Failed,
        Self::TimedOut,
        Self::Stopped,
        Self::Interrupted,
        Self::Cancelled,
        Self::Skipped,
    ];

    /// The name stored in the database and printed in JSON: `timed_out`...
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Stopped => "stopped",
            Self::TimedOut => "timed_out",
            Self::Cancelled => "cancelled",
            Self::Skipped => "skipped",
            Self::Interrupted => "interrupted",
        }
    }

    /// The name for people: `timed out`...
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::TimedOut => "timed out",
            other => other.as_str(),
        }
    }

    /// The state named `text` (as [`as_str`](Self::as_str) writes it).
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == text)
    }

    /// Whether the job has ended (an interrupted job has: it will not go on).
    #[must_use]
    pub fn is_ended(self) -> bool {
        !matches!(self, Self::Queued | Self::Running)
    }

    /// Whether "Retry failed" and `--resume-failed` run it again: it ran
    /// and did not succeed.
    #[must_use]
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            Self::Failed | Self::TimedOut | Self::Stopped | Self::Interrupted
        )
    }
}

impl From<OutcomeKind> for JobState {
    fn from(outcome: OutcomeKind) -> Self {
        match outcome {
            OutcomeKind::Succeeded => Self::Succeeded,
            OutcomeKind::Failed => Self::Failed,
            OutcomeKind::Stopped => Self::Stopped,
            OutcomeKind::TimedOut => Self::TimedOut,
            OutcomeKind::Cancelled => Self::Cancelled,
            OutcomeKind::Skipped => Self::Skipped,
        }
    }
}

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunEnd {
    /// Every job ended by itself.
    Finished,
    /// Ctrl-C (or Stop all and quit) cut it short.
    Interrupted,
    /// The window closed while jobs were live.
    Closed,
    /// jobdeck died while it ran; found at the next start.
    Crashed,
}

impl RunEnd {
    /// The name stored in the database.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Finished => "finished",
            Self::Interrupted => "interrupted",
            Self::Closed => "closed",
            Self::Crashed => "crashed",
        }
    }

    /// The end named `text`.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Finished,
            Self::Interrupted,
            Self::Closed,
            Self::Crashed,
        ]
        .into_iter()
        .find(|end| end.as_str() == text)
    }
}

/// What a new run is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NewRun {
    /// The job file it runs (absolute), if any.
    pub file: Option<PathBuf>,
    /// The file's content hash (see [`content_hash`](super::content_hash)).
    pub file_hash: Option<String>,
    /// Its thread cap when it started.
    pub max_threads: usize,
    /// The run it resumes or retries jobs of.
    pub resumed_from: Option<RunId>,
}

/// One run as the history lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct RunRecord {
    /// Its number.
    pub id: RunId,
    /// Its job file, if it ran one.
    pub file: Option<PathBuf>,
    /// The file's content hash then.
    pub file_hash: Option<String>,
    /// Its thread cap.
    pub max_threads: usize,
    /// The jobdeck version that ran it.
    pub version: String,
    /// Unix time it started at, in seconds.
    pub started_at: f64,
    /// Unix time it ended at; `None` while it runs.
    pub ended_at: Option<f64>,
    /// How it ended; `None` while it runs.
    pub ended_how: Option<RunEnd>,
    /// The run it resumed or retried jobs of.
    pub resumed_from: Option<RunId>,
    /// How many of its jobs are in each state, in [`JobState::ALL`] order.
    pub counts: [usize; JobState::ALL.len()],
}

impl RunRecord {
    /// Its jobs, in all states.
    #[must_use]
    pub fn jobs(&self) -> usize {
        self.counts.iter().sum()
    }

    /// How many of its jobs are in `state`.
    #[must_use]
    pub fn count(&self, state: JobState) -> usize {
        JobState::ALL
            .iter()
            .position(|&s| s == state)
            .map_or(0, |i| self.counts[i])
    }

    /// How many of its jobs "Retry failed" would run again.
    #[must_use]
    pub fn failures(&self) -> usize {
        JobState::ALL
            .iter()
            .zip(self.counts)
            .filter(|(state, _)| state.is_failure())
            .map(|(_, count)| count)
            .sum()
    }
}

/// One job as the history holds it (its spec aside: see
/// [`History::spec`](super::History::spec)).
#[derive(Clone, Debug, PartialEq)]
pub struct JobRecord {
    /// Its row in the store.
    pub row: i64,
    /// The engine's id it ran with.
    pub uuid: String,
    /// Its run.
    pub run: RunId,
    /// Its number in the run: its place in the job file (1-based), or the
    /// order it was started in.
    pub seq: u32,
    /// Its name.
    pub name: String,
    /// Where it stands.
    pub state: JobState,
    /// Attempts started (0 if it never ran).
    pub attempt: u32,
    /// Its program's exit code, if it ran one that exited.
    pub exit_code: Option<i32>,
    /// The signal that killed its program, if one did.
    pub signal: Option<i32>,
    /// What went wrong (or the last retried attempt's error).
    pub error: Option<String>,
    /// Its result, when it succeeded.
    pub output: Option<String>,
    /// Unix times in seconds: submitted, last attempt started, ended.
    pub queued_at: f64,
    /// See `queued_at`.
    pub started_at: Option<f64>,
    /// See `queued_at`.
    pub ended_at: Option<f64>,
    /// The worker thread of its last attempt.
    pub worker: Option<usize>,
    /// Its full log file, for command jobs.
    pub log_path: Option<PathBuf>,
    /// Its last progress, in `0..=1`.
    pub progress: Option<f32>,
    /// For a cluster job: the cluster's id of its last attempt's run
    /// (Slurm's job id), once the cluster gave one.
    pub remote_id: Option<String>,
}

impl JobRecord {
    /// How long its last attempt ran, in seconds.
    #[must_use]
    pub fn runtime_secs(&self) -> Option<f64> {
        Some((self.ended_at? - self.started_at?).max(0.0))
    }
}
