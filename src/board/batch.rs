//! The current batch: every job added since the board was last idle, and the
//! overall progress, throughput and ETA shown above the table.
//!
//! The overall fraction is the true mean of the batch's jobs at every event:
//! a job counts its latest progress while it is queued or runs (back to 0
//! when a retry starts it over) and 1 once it ended, however it ended, until
//! the whole batch is done. So a job joining a running batch lowers the bar
//! to the new mean (and the batch says so for [`LATE_JOIN_NOTE`]); nothing
//! holds a higher number than the mean.

use std::time::{Duration, Instant};

use super::StateClass;

/// How long a batch says that jobs joined it while it ran ("+3 jobs").
pub const LATE_JOIN_NOTE: Duration = Duration::from_secs(5);

/// The batch's running totals.
#[derive(Clone, Debug)]
pub(crate) struct Batch {
    /// Identifies the batch, so jobs of an older one no longer count.
    pub(crate) id: u64,
    started: Instant,
    members: usize,
    /// Members ended, by how they ended (indexed by [`StateClass::index`]).
    ended_by: [usize; StateClass::ALL.len()],
    ended: usize,
    /// Sum of the members' shares: progress while live, 1 once ended.
    credit: f64,
    /// Whether any member started, progressed or ended: jobs joining after
    /// that joined a running batch.
    begun: bool,
    /// Jobs that joined the running batch since `late_at` minus
    /// [`LATE_JOIN_NOTE`], and when the last of them joined.
    late: usize,
    late_at: Option<Instant>,
    finished_at: Option<Instant>,
}

/// How a batch whose jobs all ended came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// Every job succeeded.
    Succeeded,
    /// Some job failed or timed out.
    Failed,
    /// No job failed, but some were stopped, cancelled or skipped.
    Stopped,
}

impl Ending {
    /// The word a view leads with ("stopped: 92 of 300 succeeded").
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Succeeded => "done",
            Self::Failed => "failed",
            Self::Stopped => "stopped",
        }
    }

    /// The state whose colour a view paints it in.
    #[must_use]
    pub fn class(self) -> StateClass {
        match self {
            Self::Succeeded => StateClass::Succeeded,
            Self::Failed => StateClass::Failed,
            Self::Stopped => StateClass::Stopped,
        }
    }
}

/// What the overall progress bar and its neighbours show.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Overall {
    /// The mean progress of the batch's jobs in `0.0..=1.0`, an ended job
    /// counting 1. It goes down when jobs join or a retry starts over.
    pub fraction: f32,
    /// Jobs in the batch.
    pub jobs: usize,
    /// Of those, how many ended (in any way).
    pub ended: usize,
    /// Of those, how many succeeded.
    pub succeeded: usize,
    /// Jobs that joined the batch while it ran, within the last
    /// [`LATE_JOIN_NOTE`]; 0 when none did.
    pub joined_late: usize,
    /// How the batch came out, once every job ended (`None` before, and for
    /// an empty board).
    pub ending: Option<Ending>,
    /// Jobs ended per second since the batch started.
    pub jobs_per_sec: f64,
    /// Estimated time left: `None` until there is some progress to go by.
    pub eta: Option<Duration>,
    /// How long the batch has run (until its last job ended, once done).
    pub elapsed: Duration,
}

impl Overall {
    /// Whether every job of the batch ended (true for an empty board too).
    #[must_use]
    pub fn is_done(&self) -> bool {
        self.ended == self.jobs
    }

    /// How the batch ended, in words ("stopped: 92 of 300 succeeded"), once
    /// every job ended; every view says it this way.
    #[must_use]
    pub fn verdict(&self) -> Option<String> {
        self.ending.map(|ending| {
            format!(
                "{}: {} of {} succeeded",
                ending.label(),
                self.succeeded,
                self.jobs
            )
        })
    }
}

impl Batch {
    pub(crate) fn new(id: u64, now: Instant) -> Self {
        Self {
            id,
            started: now,
            members: 0,
            ended_by: [0; StateClass::ALL.len()],
            ended: 0,
            credit: 0.0,
            begun: false,
            late: 0,
            late_at: None,
            finished_at: None,
        }
    }

    pub(crate) fn is_done(&self) -> bool {
        self.ended == self.members
    }

    /// A job joins the batch at `now`, with a share of 0.
    pub(crate) fn join(&mut self, now: Instant) {
        self.members += 1;
        self.finished_at = None;
        if self.begun {
            let recent = self
                .late_at
                .is_some_and(|at| now.saturating_duration_since(at) < LATE_JOIN_NOTE);
            self.late = if recent { self.late + 1 } else { 1 };
            self.late_at = Some(now);
        }
    }

    /// A live member's share changed by `delta` (its new progress minus its
    /// old; negative when a retry starts it over).
    pub(crate) fn credit(&mut self, delta: f32) {
        self.begun = true;
        self.credit += f64::from(delta);
    }

    /// A member ended as `class`; `delta` is what completes its share to 1.
    pub(crate) fn end(&mut self, class: StateClass, delta: f32, now: Instant) {
        self.begun = true;
        self.credit += f64::from(delta);
        self.ended += 1;
        self.ended_by[class.index()] += 1;
        if self.is_done() {
            self.finished_at = Some(now);
        }
    }

    /// The mean share of the members.
    fn average(&self) -> f64 {
        if self.members == 0 {
            return 0.0;
        }
        if self.is_done() {
            // Exactly 1, whatever rounding the running sum gathered.
            return 1.0;
        }
        (self.credit / self.members as f64).clamp(0.0, 1.0)
    }

    fn ending(&self) -> Option<Ending> {
        if self.members == 0 || !self.is_done() {
            return None;
        }
        let count = |classes: &[StateClass]| -> usize {
            classes.iter().map(|c| self.ended_by[c.index()]).sum()
        };
        Some(if count(&[StateClass::Failed, StateClass::TimedOut]) > 0 {
            Ending::Failed
        } else if self.ended_by[StateClass::Succeeded.index()] < self.members {
            Ending::Stopped
        } else {
            Ending::Succeeded
        })
    }

    /// What to show at `now`.
    pub(crate) fn overall(&self, now: Instant) -> Overall {
        let average = self.average();
        let elapsed = self
            .finished_at
            .unwrap_or(now)
            .saturating_duration_since(self.started);
        let secs = elapsed.as_secs_f64();
        let jobs_per_sec = if secs > 0.0 {
            self.ended as f64 / secs
        } else {
            0.0
        };
        let eta = if self.members > 0 && self.is_done() {
            Some(Duration::ZERO)
        } else if average > 0.0 && secs > 0.0 {
            // Time per unit of progress so far, times the progress left.
            Duration::try_from_secs_f64(secs * (1.0 - average) / average).ok()
        } else {
            None
        };
        let joined_late = match self.late_at {
            Some(at) if now.saturating_duration_since(at) < LATE_JOIN_NOTE => self.late,
            _ => 0,
        };
        // The fraction is in 0..=1, so the narrowing loses nothing visible.
        #[allow(clippy::cast_possible_truncation)]
        let fraction = average as f32;
        Overall {
            fraction,
            jobs: self.members,
            ended: self.ended,
            succeeded: self.ended_by[StateClass::Succeeded.index()],
            joined_late,
            ending: self.ending(),
            jobs_per_sec,
            eta,
            elapsed,
        }
    }
}
