//! What the pool tells its consumer, and the receiver that reads it.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, TryRecvError};

use super::cell::JobCell;
use super::{JobId, LogLine, Output};

/// One thing that happened to one job.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// The job it happened to.
    pub job: JobId,
    /// What happened.
    pub kind: EventKind,
}

/// What happened to a job.
#[derive(Clone, Debug, PartialEq)]
pub enum EventKind {
    /// The job started: a worker took it, or a remote executor was asked to
    /// run it. `attempt` counts from 1; it grows with retries.
    Started {
        /// Which worker thread runs it (0-based, stable for the thread's
        /// life); `None` for a remote job, which holds no worker.
        worker: Option<usize>,
        /// 1 for the first run, 2 for the first retry, and so on.
        attempt: u32,
    },
    /// The job's latest progress, in `0.0..=1.0`. Coalesced: a consumer sees
    /// the newest value, not every value the job reported.
    Progress(f32),
    /// New plot points for one of the job's series, oldest first.
    Samples {
        /// The series' name as the job gave it.
        series: Arc<str>,
        /// `[x, y]` points.
        points: Vec<[f64; 2]>,
    },
    /// New log lines, oldest first.
    Log {
        /// The lines, without line endings, each with its stream.
        lines: Vec<LogLine>,
        /// Lines dropped before these because the consumer fell behind by more
        /// than the pending-log limit.
        dropped: u64,
    },
    /// The running attempt started a process (a command job's program),
    /// which leads its own process group. Reported once per attempt, between
    /// its `Started` and its end, by jobs that call
    /// [`JobContext::report_process`](super::JobContext::report_process);
    /// a journal keeps it so that a later jobdeck can find the group should
    /// this one die without stopping it.
    Process(ProcessInfo),
    /// A stop was asked of the running job; it may take a moment to end.
    StopRequested {
        /// Whether the stop came from the job's timeout rather than a person.
        timed_out: bool,
    },
    /// An attempt failed and the job was queued to run again.
    Retrying {
        /// The attempt that failed.
        attempt: u32,
        /// Why it failed.
        error: String,
    },
    /// The job ended. Exactly one of these arrives per job, whatever the load,
    /// and always before the `Started` of any job that waited for it.
    Finished(Outcome),
}

impl EventKind {
    /// Whether this is the job's last event.
    #[must_use]
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Finished(_))
    }
}

/// The process a job's attempt runs: enough to find it again, and to tell
/// it from a later process that got the same pid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProcessInfo {
    /// Its process id.
    pub pid: u32,
    /// Its process group (a command job's program leads its own: the pid).
    pub pgid: u32,
    /// When it started, in clock ticks after boot (`/proc/PID/stat` field
    /// 22); `None` where that cannot be read.
    pub start_ticks: Option<u64>,
}

/// How a job ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// `run` returned `Ok`.
    Succeeded(Output),
    /// `run` returned an error or panicked (on its last attempt).
    Failed {
        /// What went wrong.
        error: String,
        /// The exit code, for jobs that run a process.
        exit_code: Option<i32>,
    },
    /// A person stopped it while it ran.
    Stopped,
    /// It ran past its timeout and was stopped (on its last attempt).
    TimedOut,
    /// It was cancelled before it started.
    Cancelled,
    /// A job it depended on did not succeed, so it never started.
    Skipped {
        /// The dependency that did not succeed.
        because: JobId,
    },
}

/// [`Outcome`] without its data, for counting and for dependency checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OutcomeKind {
    /// See [`Outcome::Succeeded`].
    Succeeded,
    /// See [`Outcome::Failed`].
    Failed,
    /// See [`Outcome::Stopped`].
    Stopped,
    /// See [`Outcome::TimedOut`].
    TimedOut,
    /// See [`Outcome::Cancelled`].
    Cancelled,
    /// See [`Outcome::Skipped`].
    Skipped,
}

impl Outcome {
    /// The outcome's kind.
    #[must_use]
    pub fn kind(&self) -> OutcomeKind {
        match self {
            Self::Succeeded(_) => OutcomeKind::Succeeded,
            Self::Failed { .. } => OutcomeKind::Failed,
            Self::Stopped => OutcomeKind::Stopped,
            Self::TimedOut => OutcomeKind::TimedOut,
            Self::Cancelled => OutcomeKind::Cancelled,
            Self::Skipped { .. } => OutcomeKind::Skipped,
        }
    }
}

impl OutcomeKind {
    /// Lower-case name, as used in JSON output: `succeeded`, `timed_out`, ...
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Stopped => "stopped",
            Self::TimedOut => "timed_out",
            Self::Cancelled => "cancelled",
            Self::Skipped => "skipped",
        }
    }

    /// Whether the job did what it was asked.
    #[must_use]
    pub fn is_success(self) -> bool {
        self == Self::Succeeded
    }
}

/// What travels on the channel. Progress, samples and logs travel as notices
/// that point at the job's pending buffers, so the channel holds at most one
/// notice of each per job however fast the job reports.
pub(crate) enum Msg {
    Event(Event),
    /// A worker's job ended and the same worker started its next one: both
    /// happen under one lock, so they travel as one message, which halves
    /// the channel traffic of a busy pool without delaying either event.
    Handover {
        finished: JobId,
        outcome: Outcome,
        started: JobId,
        worker: u32,
        attempt: u32,
    },
    Progress(Arc<JobCell>),
    Samples(Arc<JobCell>),
    Logs(Arc<JobCell>),
}

/// The consumer's end of the pool's events.
///
/// Reading resolves notices into [`Event`]s with the newest data. Events of
/// one job arrive in the order they happened, and its `Finished` event comes
/// after everything else it reported. Causes come before effects across
/// jobs too: a job's `Finished` arrives before the `Started` of any job that
/// depended on it.
pub struct EventReceiver {
    rx: Receiver<Msg>,
    ready: VecDeque<Event>,
}

impl EventReceiver {
    pub(crate) fn new(rx: Receiver<Msg>) -> Self {
        Self {
            rx,
            ready: VecDeque::new(),
        }
    }

    /// The next event if one is waiting, without blocking.
    ///
    /// # Errors
    /// `Empty` when nothing is waiting; `Disconnected` when the pool is gone
    /// and every event has been read.
    pub fn try_recv(&mut self) -> Result<Event, TryRecvError> {
        loop {
            if let Some(event) = self.ready.pop_front() {
                return Ok(event);
            }
            if let Some(event) = self.resolve(self.rx.try_recv()?) {
                return Ok(event);
            }
        }
    }

    /// The next event, waiting at most `timeout`.
    ///
    /// # Errors
    /// `Timeout`, or `Disconnected` when the pool is gone and drained.
    pub fn recv_timeout(&mut self, timeout: Duration) -> Result<Event, RecvTimeoutError> {
        match Instant::now().checked_add(timeout) {
            Some(deadline) => self.recv_deadline(deadline),
            // Too far to count to: wait as long as it takes.
            None => self.next().ok_or(RecvTimeoutError::Disconnected),
        }
    }

    /// The next event, waiting until `deadline` at the latest.
    ///
    /// # Errors
    /// `Timeout`, or `Disconnected` when the pool is gone and drained.
    pub fn recv_deadline(&mut self, deadline: Instant) -> Result<Event, RecvTimeoutError> {
        loop {
            if let Some(event) = self.ready.pop_front() {
                return Ok(event);
            }
            if let Some(event) = self.resolve(self.rx.recv_deadline(deadline)?) {
                return Ok(event);
            }
        }
    }

    /// Messages waiting in the channel (notices count as one each). This is
    /// what stays bounded when a consumer stops reading.
    #[must_use]
    pub fn pending_messages(&self) -> usize {
        self.rx.len() + self.ready.len()
    }

    /// Turns a message other than a plain event into events: the first is
    /// returned, any others wait in `ready`.
    fn resolve(&mut self, msg: Msg) -> Option<Event> {
        match msg {
            Msg::Event(event) => return Some(event),
            Msg::Handover {
                finished,
                outcome,
                started,
                worker,
                attempt,
            } => {
                self.ready.push_back(Event {
                    job: started,
                    kind: EventKind::Started {
                        worker: Some(worker as usize),
                        attempt,
                    },
                });
                return Some(Event {
                    job: finished,
                    kind: EventKind::Finished(outcome),
                });
            }
            Msg::Progress(cell) => {
                let value = cell.take_progress();
                self.ready.push_back(Event {
                    job: cell.id,
                    kind: EventKind::Progress(value),
                });
            }
            Msg::Samples(cell) => {
                for (series, points) in cell.take_samples() {
                    self.ready.push_back(Event {
                        job: cell.id,
                        kind: EventKind::Samples { series, points },
                    });
                }
            }
            Msg::Logs(cell) => {
                if let Some((lines, dropped)) = cell.take_logs() {
                    self.ready.push_back(Event {
                        job: cell.id,
                        kind: EventKind::Log { lines, dropped },
                    });
                }
            }
        }
        self.ready.pop_front()
    }
}

impl Iterator for EventReceiver {
    type Item = Event;

    /// Blocks for the next event; ends when the pool is gone and drained.
    fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(event) = self.ready.pop_front() {
                return Some(event);
            }
            if let Some(event) = self.resolve(self.rx.recv().ok()?) {
                return Some(event);
            }
        }
    }
}
