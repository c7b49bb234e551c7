//! Folds engine events into what a view shows. No egui here, no threads, no
//! clock: every call that needs the time takes it as `now`, so tests control
//! time exactly.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Instant;
//! use jobdeck::board::{Board, StateClass};
//! use jobdeck::engine::{Event, EventKind, JobId};
//! use jobdeck::jobs::{DemoJob, SumRange};
//! use jobdeck::jobspec::{JobKind, JobSpec};
//!
//! let mut board = Board::new();
//! let id = JobId::new();
//! let now = Instant::now();
//! let spec = JobSpec::new("sum", JobKind::Demo(DemoJob::SumRange(SumRange::default())));
//! board.add_job(id, Arc::new(spec), now);
//! board.apply_at(Event { job: id, kind: EventKind::Started { worker: Some(0), attempt: 1 } }, now);
//! board.apply_at(Event { job: id, kind: EventKind::Progress(0.5) }, now);
//! assert_eq!(board.job(id).unwrap().lifecycle.class(), StateClass::Running);
//! assert_eq!(board.overall(now).fraction, 0.5);
//! ```

mod batch;
mod control;
mod job;
mod series;
mod workers;

use std::sync::Arc;
use std::time::Instant;

use crate::engine::{Event, EventKind, JobId, JobIdMap, Outcome};
use crate::jobspec::JobSpec;

use batch::Batch;
pub use batch::{Ending, LATE_JOIN_NOTE, Overall};
pub use job::{JobLog, JobView, LOG_LINES_KEPT, Lifecycle, StateClass};
pub use series::{SERIES_POINTS_KEPT, Series};
pub use workers::{Lane, SPANS_KEPT_PER_WORKER, Span, Workers};

/// Every job a view knows of, in the order they were added, plus the
/// current batch's totals.
#[derive(Debug)]
pub struct Board {
    jobs: Vec<JobView>,
    index: JobIdMap<usize>,
    counts: [usize; StateClass::ALL.len()],
    batch: Batch,
    workers: Workers,
    next_seq: u64,
    /// Bumped by every change, so views can tell when to redraw or re-cache.
    version: u64,
    /// Bumped when a job is added or removed.
    rows_version: u64,
    /// Bumped when a job is added or removed, or changes state or priority.
    states_version: u64,
}

impl Default for Board {
    fn default() -> Self {
        Self::new()
    }
}

impl Board {
    /// An empty board.
    #[must_use]
    pub fn new() -> Self {
        Self::new_at(Instant::now())
    }

    /// An empty board whose first (empty) batch starts at `now`.
    #[must_use]
    pub fn new_at(now: Instant) -> Self {
        Self {
            jobs: Vec::new(),
            index: JobIdMap::default(),
            counts: [0; StateClass::ALL.len()],
            batch: Batch::new(0, now),
            workers: Workers::default(),
            next_seq: 0,
            version: 0,
            rows_version: 0,
            states_version: 0,
        }
    }

    /// Records a job just submitted to the pool, as queued, with the spec
    /// it was built from. If every job of the current batch has ended, this
    /// job starts a new batch.
    pub fn add_job(&mut self, id: JobId, spec: Arc<JobSpec>, now: Instant) {
        if self.index.contains_key(&id) {
            return;
        }
        if self.batch.is_done() {
            self.batch = Batch::new(self.batch.id + 1, now);
        }
        self.batch.join(now);
        let mut view = JobView::new(id, spec, self.next_seq, now);
        view.batch = self.batch.id;
        self.next_seq += 1;
        self.counts[StateClass::Queued.index()] += 1;
        self.index.insert(id, self.jobs.len());
        self.jobs.push(view);
        self.version += 1;
        self.rows_version += 1;
        self.states_version += 1;
    }

    /// Folds one event in. Events of jobs the board does not know (never
    /// added, or removed) are ignored.
    pub fn apply_at(&mut self, event: Event, now: Instant) {
        let Some(&i) = self.index.get(&event.job) else {
            return;
        };
        self.version += 1;
        let job = &mut self.jobs[i];
        let before = job.lifecycle.class();
        let running_on = job.lifecycle.worker();
        match event.kind {
            EventKind::Progress(fraction) => {
                let fraction = if fraction.is_nan() {
                    0.0
                } else {
                    fraction.clamp(0.0, 1.0)
                };
                job.progress = fraction;
                set_share(&mut self.batch, job, before, fraction);
                return;
            }
            EventKind::Samples { series, points } => {
                job.series_mut(&series).extend(&points);
                return;
            }
            EventKind::Log { lines, dropped } => {
                job.log.extend(lines, dropped);
                return;
            }
            EventKind::Placed(placement) => {
                job.placement = Some(placement);
                return;
            }
            // For journals; nothing a view shows.
            EventKind::Process(_) => return,
            EventKind::Started { worker, attempt } => {
                job.attempt = attempt;
                job.progress = 0.0;
                // A new attempt is placed afresh (a retry is a new run).
                job.placement = None;
                job.worker = worker;
                if let Some(worker) = worker {
                    self.workers
                        .started(worker, job.id, &job.spec, attempt, now);
                }
                set_share(&mut self.batch, job, before, 0.0);
                job.lifecycle = Lifecycle::Running {
                    worker,
                    started: now,
                    attempt,
                    stop_requested: None,
                    paused: job.pause_requested,
                };
            }
            EventKind::StopRequested { .. } => {
                if let Lifecycle::Running { stop_requested, .. } = &mut job.lifecycle {
                    stop_requested.get_or_insert(now);
                }
            }
            EventKind::Retrying { attempt, error } => {
                job.log.extend(
                    [format!("attempt {attempt} failed: {error}; retrying").into()],
                    0,
                );
                job.last_retry_error = Some(error);
                job.progress = 0.0;
                if let Some(worker) = running_on {
                    self.workers.ended(worker, job.id, StateClass::Failed, now);
                }
                set_share(&mut self.batch, job, before, 0.0);
                job.lifecycle = Lifecycle::Queued;
            }
            EventKind::Finished(outcome) => {
                let elapsed = job.lifecycle.elapsed(now).unwrap_or_default();
                if matches!(outcome, Outcome::Succeeded(_)) {
                    job.progress = 1.0;
                }
                job.lifecycle = ended(outcome, elapsed);
                if let Some(worker) = running_on {
                    self.workers
                        .ended(worker, job.id, job.lifecycle.class(), now);
                }
                if job.batch == self.batch.id && !before.is_ended() {
                    self.batch
                        .end(job.lifecycle.class(), 1.0 - job.batch_credit, now);
                    job.batch_credit = 1.0;
                }
            }
        }
        let after = job.lifecycle.class();
        self.move_count(before, after);
    }

    /// Counts a job that moved from `before` to `after`.
    fn move_count(&mut self, before: StateClass, after: StateClass) {
        if before != after {
            self.counts[before.index()] -= 1;
            self.counts[after.index()] += 1;
            self.states_version += 1;
        }
    }

    /// Folds many events at the same `now`.
    pub fn fold_events(&mut self, events: impl IntoIterator<Item = Event>, now: Instant) {
        for event in events {
            self.apply_at(event, now);
        }
    }

    /// Forgets an ended job (its row, log and series). Returns whether it
    /// did; a job still queued or running stays. The batch still counts it,
    /// as complete, so removing a row never moves the overall bar.
    pub fn remove(&mut self, id: JobId) -> bool {
        let Some(&i) = self.index.get(&id) else {
            return false;
        };
        let class = self.jobs[i].lifecycle.class();
        if !class.is_ended() {
            return false;
        }
        self.jobs.remove(i);
        self.index.remove(&id);
        for (j, job) in self.jobs.iter().enumerate().skip(i) {
            self.index.insert(job.id, j);
        }
        self.counts[class.index()] -= 1;
        self.version += 1;
        self.rows_version += 1;
        self.states_version += 1;
        true
    }

    /// Every job, in the order added.
    #[must_use]
    pub fn jobs(&self) -> &[JobView] {
        &self.jobs
    }

    /// One job.
    #[must_use]
    pub fn job(&self, id: JobId) -> Option<&JobView> {
        self.index.get(&id).map(|&i| &self.jobs[i])
    }

    /// How many jobs on the board are in `class`.
    #[must_use]
    pub fn count(&self, class: StateClass) -> usize {
        self.counts[class.index()]
    }

    /// Jobs queued, running, stopping or paused.
    #[must_use]
    pub fn live_jobs(&self) -> usize {
        self.count(StateClass::Queued)
            + self.count(StateClass::Running)
            + self.count(StateClass::Stopping)
            + self.count(StateClass::Paused)
    }

    /// Overall progress, throughput and ETA of the current batch at `now`.
    #[must_use]
    pub fn overall(&self, now: Instant) -> Overall {
        self.batch.overall(now)
    }

    /// Which batch is current: it changes when a job joins a board whose
    /// batch had ended, so "this batch ended" can be told once per batch.
    #[must_use]
    pub fn batch_id(&self) -> u64 {
        self.batch.id
    }

    /// What each worker thread ran and runs: one lane per worker.
    #[must_use]
    pub fn workers(&self) -> &Workers {
        &self.workers
    }

    /// A number that changes whenever anything on the board does.
    #[must_use]
    pub fn version(&self) -> u64 {
        self.version
    }

    /// A number that changes whenever a job is added or removed (and not
    /// otherwise), so that a view can keep an order by name until then.
    #[must_use]
    pub fn rows_version(&self) -> u64 {
        self.rows_version
    }

    /// A number that changes whenever a job is added or removed, or changes
    /// state (paused included) or priority; not when it only makes progress.
    #[must_use]
    pub fn states_version(&self) -> u64 {
        self.states_version
    }
}

/// Sets a live job's share in its batch's mean (its progress; 0 when an
/// attempt starts over), if it belongs to the current batch.
fn set_share(batch: &mut Batch, job: &mut JobView, before: StateClass, share: f32) {
    if job.batch == batch.id && !before.is_ended() {
        batch.credit(share - job.batch_credit);
        job.batch_credit = share;
    }
}

/// The lifecycle of a job that ended with `outcome` after `elapsed`.
fn ended(outcome: Outcome, elapsed: std::time::Duration) -> Lifecycle {
    match outcome {
        Outcome::Succeeded(output) => Lifecycle::Succeeded { output, elapsed },
        Outcome::Failed { error, exit_code } => Lifecycle::Failed {
            error,
            exit_code,
            elapsed,
        },
        Outcome::Stopped => Lifecycle::Stopped { elapsed },
        Outcome::TimedOut => Lifecycle::TimedOut { elapsed },
        Outcome::Cancelled => Lifecycle::Cancelled,
        Outcome::Skipped { because } => Lifecycle::Skipped { because },
    }
}

#[cfg(test)]
mod tests;
