//! A job the scheduler holds in its slab, and the phases it goes through.
//! Each phase carries what only exists in it: the job itself while it
//! waits, the attempt's cell and runner while it runs.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::engine::cell::JobCell;
use crate::engine::new_job::{ExpressJob, JobOptions, Work};
use crate::engine::{JobId, RemoteJob};

pub(crate) struct Entry {
    pub(crate) id: JobId,
    pub(crate) priority: i32,
    /// Submission number: among equal priorities, lower starts first.
    pub(crate) seq: u64,
    pub(crate) timeout: Option<Duration>,
    pub(crate) retries_left: u32,
    /// Attempts started so far.
    pub(crate) attempts: u32,
    /// Whether each attempt is to start paused.
    pub(crate) paused: bool,
    /// Whether the id index knows this job (see `registry`).
    pub(crate) indexed: bool,
    pub(crate) phase: Phase,
}

pub(crate) enum Phase {
    /// Waiting for `unmet` dependencies to succeed.
    Waiting { work: Work, unmet: usize },
    /// Ready to start.
    Queued { work: Work },
    /// An attempt is in flight.
    Running(Attempt),
}

/// One attempt in flight.
pub(crate) struct Attempt {
    pub(crate) cell: Arc<JobCell>,
    pub(crate) started: Instant,
    pub(crate) stop_requested: Option<Instant>,
    pub(crate) runner: Runner,
}

/// Who runs an attempt.
pub(crate) enum Runner {
    /// A worker thread, which holds the job until the attempt ends.
    Worker(usize),
    /// A remote executor; the pool keeps the job to start it again on a
    /// retry.
    Remote(Arc<dyn RemoteJob>),
}

impl Entry {
    pub(crate) fn new(id: JobId, options: &JobOptions, seq: u64, phase: Phase) -> Self {
        Self {
            id,
            priority: options.priority,
            seq,
            timeout: options.timeout,
            retries_left: options.retries,
            attempts: 0,
            paused: false,
            indexed: false,
            phase,
        }
    }

    /// An express job moved into the slab, queued with number `seq`.
    pub(crate) fn from_express(job: ExpressJob, seq: u64) -> Self {
        Self::new(
            job.id,
            &JobOptions::default(),
            seq,
            Phase::Queued {
                work: Work::Local(job.job),
            },
        )
    }

    /// Whether the queue place `(priority, seq)` is still this job's.
    pub(crate) fn is_queued_at(&self, priority: i32, seq: u64) -> bool {
        matches!(self.phase, Phase::Queued { .. }) && self.priority == priority && self.seq == seq
    }

    /// The attempt in flight, if one is.
    pub(crate) fn attempt(&self) -> Option<&Attempt> {
        match &self.phase {
            Phase::Running(attempt) => Some(attempt),
            Phase::Waiting { .. } | Phase::Queued { .. } => None,
        }
    }
}
