//! What a running job sees of the pool.

use std::sync::Arc;
use std::time::Duration;

use super::cell::JobCell;
use super::event::Msg;
use super::hub::Hub;
use super::{Event, EventKind, JobError, JobId, LogLine, ProcessInfo};

/// Handed to [`Job::run`](super::Job::run): report progress, samples and log
/// lines through it, and ask it whether to stop.
///
/// Reporting never blocks on the consumer: progress keeps only its newest
/// value until read, and samples and lines wait in bounded buffers.
pub struct JobContext {
    cell: Arc<JobCell>,
    hub: Arc<Hub>,
    worker: usize,
    attempt: u32,
}

impl JobContext {
    pub(crate) fn new(cell: Arc<JobCell>, hub: Arc<Hub>, worker: usize, attempt: u32) -> Self {
        Self {
            cell,
            hub,
            worker,
            attempt,
        }
    }

    /// The cell and the hub back, once the job has run: the worker lends
    /// them rather than cloning them, which would cost two atomic writes
    /// each per job.
    pub(crate) fn into_parts(self) -> (Arc<JobCell>, Arc<Hub>) {
        (self.cell, self.hub)
    }

    /// The job's id.
    #[must_use]
    pub fn id(&self) -> JobId {
        self.cell.id
    }

    /// Which worker thread runs the job (0-based).
    #[must_use]
    pub fn worker(&self) -> usize {
        self.worker
    }

    /// 1 on the first run, 2 on the first retry, and so on.
    #[must_use]
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// Reports progress as a fraction; values outside `0..=1` are clamped and
    /// NaN is ignored.
    pub fn progress(&self, fraction: f32) {
        self.cell.report_progress(&self.hub, fraction);
    }

    /// Adds the point `(x, y)` to the plot series named `series`. A job may
    /// plot at most [`MAX_SERIES_PER_JOB`](super::MAX_SERIES_PER_JOB)
    /// series; samples to more are dropped, and its log says so.
    pub fn sample(&self, series: &str, x: f64, y: f64) {
        self.cell.report_sample(&self.hub, series, [x, y]);
    }

    /// Adds a line to the job's log: a string counts as stdout, a
    /// [`LogLine`] says its stream. What the consumer has not read yet is
    /// bounded in bytes (see
    /// [`PENDING_LOG_BYTES_PER_JOB`](super::PENDING_LOG_BYTES_PER_JOB)).
    pub fn log(&self, line: impl Into<LogLine>) {
        self.cell.report_log(&self.hub, line.into());
    }

    /// Says which process this attempt runs, once it has started it; the
    /// consumer gets it as [`EventKind::Process`], after the attempt's
    /// `Started` and before its end.
    pub fn report_process(&self, process: ProcessInfo) {
        self.hub.send(Msg::Event(Event {
            job: self.cell.id,
            kind: EventKind::Process(process),
        }));
    }

    /// Whether the job has been asked to stop (by a person, a timeout or the
    /// pool shutting down). Cheap: one atomic load.
    #[must_use]
    pub fn should_stop(&self) -> bool {
        self.cell.should_stop()
    }

    /// Whether the job has been asked to pause (see
    /// [`Pool::set_job_paused`](super::Pool::set_job_paused)). Jobs that
    /// cannot wait in [`checkpoint`](Self::checkpoint), such as one watching
    /// a process, can poll this and pause their work their own way.
    #[must_use]
    pub fn is_paused(&self) -> bool {
        self.cell.is_paused()
    }

    /// Call once per step: waits while the job is paused, and returns
    /// `Err(JobError::Stopped)` when it should stop, so `ctx.checkpoint()?`
    /// ends the job promptly.
    ///
    /// # Errors
    /// [`JobError::Stopped`] when a stop was requested.
    pub fn checkpoint(&self) -> Result<(), JobError> {
        if self.cell.hold_while_paused() {
            Err(JobError::Stopped)
        } else {
            Ok(())
        }
    }

    /// Sleeps for `duration`, waking at once if a stop is requested. Any
    /// duration is fine: `Duration::MAX` sleeps until the job is stopped.
    ///
    /// # Errors
    /// [`JobError::Stopped`] when a stop was requested before or during the
    /// sleep.
    pub fn sleep(&self, duration: Duration) -> Result<(), JobError> {
        if self.cell.sleep(duration) {
            Err(JobError::Stopped)
        } else {
            Ok(())
        }
    }
}
