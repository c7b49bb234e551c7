//! The current batch: every job added since the board was last idle, and the
//! overall progress, throughput and ETA shown above the table.

use std::time::{Duration, Instant};

/// The batch's running totals. Ended jobs count as complete; the shown
/// fraction never decreases until the batch is done and a new one starts.
#[derive(Clone, Debug)]
pub(crate) struct Batch {
    /// Identifies the batch, so jobs of an older one no longer count.
    pub(crate) id: u64,
    started: Instant,
    members: usize,
    ended: usize,
    /// Sum of the members' credited progress (an ended job counts 1).
    credit: f64,
    /// The highest fraction shown so far in this batch.
    shown: f64,
    finished_at: Option<Instant>,
}

/// What the overall progress bar and its neighbours show.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Overall {
    /// Average progress of the batch in `0.0..=1.0`; never decreases while
    /// the batch runs.
    pub fraction: f32,
    /// Jobs in the batch.
    pub jobs: usize,
    /// Of those, how many ended (in any way).
    pub ended: usize,
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
}

impl Batch {
    pub(crate) fn new(id: u64, now: Instant) -> Self {
        Self {
            id,
            started: now,
            members: 0,
            ended: 0,
            credit: 0.0,
            shown: 0.0,
            finished_at: None,
        }
    }

    pub(crate) fn is_done(&self) -> bool {
        self.ended == self.members
    }

    /// A job joins the batch.
    pub(crate) fn join(&mut self) {
        self.members += 1;
        self.finished_at = None;
    }

    /// A member's progress rose by `delta` (already clamped to be >= 0).
    pub(crate) fn credit(&mut self, delta: f32) {
        self.credit += f64::from(delta);
        self.shown = self.shown.max(self.average());
    }

    /// A member ended; `delta` is what completes its credit to 1.
    pub(crate) fn end(&mut self, delta: f32, now: Instant) {
        self.credit += f64::from(delta);
        self.ended += 1;
        if self.is_done() {
            self.finished_at = Some(now);
            self.shown = 1.0;
        } else {
            self.shown = self.shown.max(self.average());
        }
    }

    /// The true average, which may dip when a job joins a running batch.
    fn average(&self) -> f64 {
        if self.members == 0 {
            return 0.0;
        }
        (self.credit / self.members as f64).clamp(0.0, 1.0)
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
        // The fraction is in 0..=1, so the narrowing loses nothing visible.
        #[allow(clippy::cast_possible_truncation)]
        let fraction = self.shown as f32;
        Overall {
            fraction,
            jobs: self.members,
            ended: self.ended,
            jobs_per_sec,
            eta,
            elapsed,
        }
    }
}
