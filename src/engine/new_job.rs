//! A job on its way into the pool, with its scheduling options.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::{Job, JobId, RemoteJob};

/// What runs a job: a worker thread, or a remote executor.
pub(crate) enum Work {
    /// Run by `Job::run` on one of the pool's worker threads.
    Local(Box<dyn Job>),
    /// Started by `RemoteJob::start`, holding no thread while in flight.
    Remote(Arc<dyn RemoteJob>),
}

/// A job on its way through the express lane: all it has is its id.
pub(crate) struct ExpressJob {
    pub(crate) id: JobId,
    pub(crate) job: Box<dyn Job>,
    /// Whether the caller chose the id.
    pub(crate) chosen_id: bool,
}

/// A job plus how to schedule it. Build one with [`NewJob::new`] and the
/// builder methods, then hand it to [`Pool::submit`](super::Pool::submit).
///
/// The id is chosen here, before submission, so a batch can name its own
/// members as dependencies.
pub struct NewJob {
    pub(crate) id: JobId,
    pub(crate) work: Work,
    /// Whether the caller chose the id (it may then clash with a known one).
    /// Kept beside the options, not in them: job files choose every id, and
    /// an allocation per job for it would cost their batches more than
    /// anything else does.
    chosen_id: bool,
    /// `None` while every option has its default. Kept out of line so that a
    /// plain job stays small, which is what a long queue of them costs.
    options: Option<Box<JobOptions>>,
}

/// A job's scheduling options; see the builder methods of [`NewJob`].
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct JobOptions {
    pub(crate) priority: i32,
    pub(crate) timeout: Option<Duration>,
    pub(crate) retries: u32,
    pub(crate) after: Vec<JobId>,
}

/// The options of a job built with none.
static DEFAULTS: JobOptions = JobOptions {
    priority: 0,
    timeout: None,
    retries: 0,
    after: Vec::new(),
};

impl NewJob {
    /// Wraps `job` with default options: priority 0, no timeout, no retries,
    /// no dependencies.
    #[must_use]
    pub fn new(job: impl Job) -> Self {
        Self {
            id: JobId::new(),
            work: Work::Local(Box::new(job)),
            chosen_id: false,
            options: None,
        }
    }

    /// Wraps a job that runs elsewhere (see [`RemoteJob`]): it counts
    /// against `max_threads` while in flight but holds no worker thread.
    /// Same default options as [`new`](Self::new).
    #[must_use]
    pub fn remote(job: impl RemoteJob) -> Self {
        Self {
            id: JobId::new(),
            work: Work::Remote(Arc::new(job)),
            chosen_id: false,
            options: None,
        }
    }

    pub(crate) fn options(&self) -> &JobOptions {
        self.options.as_deref().unwrap_or(&DEFAULTS)
    }

    fn options_mut(&mut self) -> &mut JobOptions {
        self.options.get_or_insert_with(Box::default)
    }

    /// The job and its options, taken apart.
    pub(crate) fn into_parts(self) -> (JobId, Work, JobOptions) {
        (
            self.id,
            self.work,
            self.options.map(|o| *o).unwrap_or_default(),
        )
    }

    /// Whether the caller chose the id (see [`with_id`](Self::with_id)).
    pub(crate) fn has_chosen_id(&self) -> bool {
        self.chosen_id
    }

    /// Whether the job needs nothing from the scheduler but its turn:
    /// priority 0, no timeout, no retries, no dependencies, run by a worker.
    /// Its id may be the caller's. Such jobs take the express lane (see
    /// `express`).
    pub(crate) fn is_express(&self) -> bool {
        let options = self.options();
        matches!(self.work, Work::Local(_))
            && options.priority == 0
            && options.timeout.is_none()
            && options.retries == 0
            && options.after.is_empty()
    }

    /// The job as an express job, if it is one (see
    /// [`is_express`](Self::is_express)).
    pub(crate) fn into_express(self) -> Result<ExpressJob, Self> {
        if !self.is_express() {
            return Err(self);
        }
        let chosen_id = self.has_chosen_id();
        match self.work {
            Work::Local(job) => Ok(ExpressJob {
                id: self.id,
                job,
                chosen_id,
            }),
            Work::Remote(_) => Err(self),
        }
    }

    /// The id the job will have once submitted.
    #[must_use]
    pub fn id(&self) -> JobId {
        self.id
    }

    /// Uses `id` instead of a fresh random one (for example to keep the ids a
    /// caller already showed to a person).
    #[must_use]
    pub fn with_id(mut self, id: JobId) -> Self {
        self.id = id;
        self.chosen_id = true;
        self
    }

    /// Higher runs first; equal priorities run in submission order.
    #[must_use]
    pub fn priority(mut self, priority: i32) -> Self {
        self.options_mut().priority = priority;
        self
    }

    /// Stops the job when a run takes longer than `timeout`; the job then ends
    /// as timed out (after its retries, if any). A timeout too long to count
    /// to (`Duration::MAX`) never passes.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options_mut().timeout = Some(timeout);
        self
    }

    /// Runs the job again, up to `retries` more times, when it fails or times
    /// out. A job a person stopped is never retried, even when the stop came
    /// while a timed-out attempt was still winding down.
    #[must_use]
    pub fn retries(mut self, retries: u32) -> Self {
        self.options_mut().retries = retries;
        self
    }

    /// Starts the job only after every job in `jobs` has succeeded; if one of
    /// them does not, this job is skipped.
    #[must_use]
    pub fn after(mut self, jobs: impl IntoIterator<Item = JobId>) -> Self {
        self.options_mut().after.extend(jobs);
        self
    }
}

impl fmt::Debug for NewJob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let options = self.options();
        f.debug_struct("NewJob")
            .field("id", &self.id)
            .field("priority", &options.priority)
            .field("timeout", &options.timeout)
            .field("retries", &options.retries)
            .field("after", &options.after)
            .finish_non_exhaustive()
    }
}
