//! Remote jobs: jobs that run somewhere else (a cluster scheduler, say) and
//! hold no worker thread while in flight. See the engine's module doc for
//! the contract.

use std::sync::Arc;

use super::cell::JobCell;
use super::scheduler::{RunFailure, Slot};
use super::shared::Shared;
use super::worker::failure_of;
use super::{JobError, JobId, JobResult, LogLine, Output, Placement};

/// A job run by an executor outside the pool.
///
/// The pool calls [`start`](Self::start) for each attempt (again for each
/// retry), from whichever thread dispatched it, with none of its locks held;
/// `start` must return at once, handing the [`RemoteHandle`] to whatever
/// follows the job (a thread of the executor's, a poller). The job then
/// counts as running, against `max_threads`, until the handle reports its
/// result.
pub trait RemoteJob: Send + Sync + 'static {
    /// Starts an attempt; reports through `handle`, from any thread, and
    /// ends it with [`RemoteHandle::finish`].
    fn start(&self, handle: RemoteHandle);

    /// Whether a running attempt can be paused (then the executor watches
    /// [`RemoteHandle::is_paused`]). When false, `Pool::set_job_paused`
    /// refuses the job.
    fn can_pause(&self) -> bool {
        false
    }
}

/// One attempt of a remote job in flight: what its executor reports
/// through, from any thread, and learns of stops from.
///
/// Progress, samples and log lines are coalesced and bounded exactly as a
/// local job's. Dropping the handle without [`finish`](Self::finish) fails
/// the attempt, so an executor that loses a job never leaves it running.
pub struct RemoteHandle {
    shared: Arc<Shared>,
    cell: Arc<JobCell>,
    slot: Slot,
    attempt: u32,
    finished: bool,
}

impl RemoteHandle {
    pub(crate) fn new(shared: &Arc<Shared>, cell: Arc<JobCell>, slot: Slot, attempt: u32) -> Self {
        Self {
            shared: Arc::clone(shared),
            cell,
            slot,
            attempt,
            finished: false,
        }
    }

    /// The job's id.
    #[must_use]
    pub fn id(&self) -> JobId {
        self.cell.id
    }

    /// 1 on the first run, 2 on the first retry, and so on.
    #[must_use]
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// Reports progress as a fraction; see `JobContext::progress`.
    pub fn progress(&self, fraction: f32) {
        self.cell.report_progress(&self.shared.hub, fraction);
    }

    /// Adds a plot point; see `JobContext::sample`.
    pub fn sample(&self, series: &str, x: f64, y: f64) {
        self.cell.report_sample(&self.shared.hub, series, [x, y]);
    }

    /// Adds a log line; see `JobContext::log`.
    pub fn log(&self, line: impl Into<LogLine>) {
        self.cell.report_log(&self.shared.hub, line.into());
    }

    /// Says where the run is now (the cluster's id for it, its state
    /// there); call it when that changes. Coalesced: the consumer sees the
    /// newest placement as an `EventKind::Placed` event.
    pub fn place(&self, placement: Placement) {
        self.cell.report_placement(&self.shared.hub, placement);
    }

    /// Whether the attempt was asked to stop (by a person, its timeout or the
    /// pool shutting down). For executors that poll.
    #[must_use]
    pub fn should_stop(&self) -> bool {
        self.cell.should_stop()
    }

    /// Whether the attempt was asked to pause (only for jobs whose
    /// [`RemoteJob::can_pause`] is true).
    #[must_use]
    pub fn is_paused(&self) -> bool {
        self.cell.is_paused()
    }

    /// Calls `on_stop` once, on the first stop asked of this attempt (a
    /// person's, its timeout, or the pool shutting down), from the thread
    /// that asked, with no lock of the pool's held; at once if the stop was
    /// asked already. The executor then stops the job its own way and still
    /// reports how it ended with [`finish`](Self::finish).
    pub fn on_stop(&self, on_stop: impl FnOnce() + Send + 'static) {
        self.cell.on_stop(Box::new(on_stop));
    }

    /// Ends the attempt with its result. `Err(JobError::Stopped)`, or any
    /// result after a stop was asked, ends it as the stop says (stopped or
    /// timed out); a failure or a timeout is retried while the job has
    /// retries left, by calling [`RemoteJob::start`] again.
    pub fn finish(mut self, result: JobResult) {
        self.finished = true;
        self.report(failure_of(result));
    }

    /// Ends the attempt as timed out by the executor's own clock (one that
    /// counts only the time the job ran, not the time it waited in a
    /// cluster's queue, which the pool's timeout would count). The pool
    /// treats it as its own timeout: retried while the job has retries
    /// left, else the job ends timed out. A stop a person asked still wins.
    pub fn finish_timed_out(mut self) {
        self.finished = true;
        self.report(Err(RunFailure::TimedOut));
    }

    fn report(&self, result: Result<Output, RunFailure>) {
        self.cell.report_dropped_series(&self.shared.hub);
        let mut state = self.shared.lock();
        state.complete_remote(
            &self.shared.hub,
            self.slot,
            self.cell.id,
            self.attempt,
            result,
        );
        drop(state);
        self.shared.remote_done.notify_all();
    }
}

impl Drop for RemoteHandle {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let why = if std::thread::panicking() {
            "the remote executor panicked before reporting a result"
        } else {
            "the remote executor dropped the job without reporting a result"
        };
        self.report(failure_of(Err(JobError::msg(why))));
    }
}
