//! A job on its way into the pool, with its scheduling options.

use std::fmt;
use std::time::Duration;

use super::{Job, JobId};

/// A job plus how to schedule it. Build one with [`NewJob::new`] and the
/// builder methods, then hand it to [`Pool::submit`](super::Pool::submit).
///
/// The id is chosen here, before submission, so a batch can name its own
/// members as dependencies.
pub struct NewJob {
    pub(crate) id: JobId,
    pub(crate) job: Box<dyn Job>,
    /// `None` while every option has its default. Kept out of line so that a
    /// plain job is three words, which is what a long queue of them costs.
    options: Option<Box<JobOptions>>,
}

/// A job's scheduling options; see the builder methods of [`NewJob`].
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct JobOptions {
    pub(crate) priority: i32,
    pub(crate) timeout: Option<Duration>,
    pub(crate) retries: u32,
    pub(crate) after: Vec<JobId>,
    /// Whether the caller chose the id (it may then clash with a known one).
    pub(crate) chosen_id: bool,
}

/// The options of a job built with none.
static DEFAULTS: JobOptions = JobOptions {
    priority: 0,
    timeout: None,
    retries: 0,
    after: Vec::new(),
    chosen_id: false,
};

impl NewJob {
    /// Wraps `job` with default options: priority 0, no timeout, no retries,
    /// no dependencies.
    #[must_use]
    pub fn new(job: impl Job) -> Self {
        Self {
            id: JobId::new(),
            job: Box::new(job),
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
    pub(crate) fn into_parts(self) -> (JobId, Box<dyn Job>, JobOptions) {
        (
            self.id,
            self.job,
            self.options.map(|o| *o).unwrap_or_default(),
        )
    }

    /// Whether the pool can take this job without checking it against the
    /// jobs it knows: a fresh random id cannot clash, and there are no
    /// dependencies to look up.
    pub(crate) fn is_fresh(&self) -> bool {
        let options = self.options();
        !options.chosen_id && options.after.is_empty()
    }

    /// Whether every option has its default (priority 0, no timeout, no
    /// retries, no dependencies, a random id): such a job needs nothing from
    /// the scheduler but its turn.
    pub(crate) fn is_plain(&self) -> bool {
        *self.options() == DEFAULTS
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
        self.options_mut().chosen_id = true;
        self
    }

    /// Higher runs first; equal priorities run in submission order.
    #[must_use]
    pub fn priority(mut self, priority: i32) -> Self {
        self.options_mut().priority = priority;
        self
    }

    /// Stops the job when a run takes longer than `timeout`; the job then ends
    /// as timed out (after its retries, if any).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options_mut().timeout = Some(timeout);
        self
    }

    /// Runs the job again, up to `retries` more times, when it fails or times
    /// out. A job a person stopped is never retried.
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
