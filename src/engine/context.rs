//! What a running job sees of the pool.

use std::sync::Arc;
use std::time::Duration;

use super::cell::{Hub, JobCell};
use super::event::Msg;
use super::{JobError, JobId, LogLine};

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

    pub(crate) fn into_hub(self) -> Arc<Hub> {
        self.hub
    }

    /// The job's id.
    #[must_use]
    pub fn id(&self) -> JobId {
        self.cell.id
    }

    /// Which worker runs the job (0-based).
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
        if fraction.is_nan() {
            return;
        }
        if self.cell.put_progress(fraction.clamp(0.0, 1.0)) {
            self.hub.send(Msg::Progress(Arc::clone(&self.cell)));
        }
    }

    /// Adds the point `(x, y)` to the plot series named `series`.
    pub fn sample(&self, series: &str, x: f64, y: f64) {
        if self.cell.put_sample(series, [x, y]) {
            self.hub.send(Msg::Samples(Arc::clone(&self.cell)));
        }
    }

    /// Adds a line to the job's log: a string counts as stdout, a
    /// [`LogLine`] says its stream.
    pub fn log(&self, line: impl Into<LogLine>) {
        if self.cell.put_log(line.into()) {
            self.hub.send(Msg::Logs(Arc::clone(&self.cell)));
        }
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

    /// Sleeps for `duration`, waking at once if a stop is requested.
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
