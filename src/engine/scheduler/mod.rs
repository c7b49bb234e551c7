//! The pool's bookkeeping, behind one lock: the queue, the live jobs, the
//! dependency graph, the deadlines, the worker threads and the express lane.
//! Every decision to start a job from the queue is made here, re-checking
//! the cap each time, so lowering it never interrupts work; express jobs
//! also start by hand-over on the workers' desks (see `express`), which
//! never changes the number running.
//!
//! Where to look:
//! - `entry`: a job in the slab and its phases;
//! - `registry`: the slab and the id index;
//! - `lookup`: where a job is, by id, and what the pool reports about it;
//! - `admit`: checking and queueing submissions;
//! - `dispatch`: picking the next job and starting it on a worker or remotely;
//! - `complete`: recording how an attempt ended: retry, end, dependents;
//! - `control`: stop, cancel, priorities, pause, timeouts.
//!
//! Events that order matters for (`Started`, `Finished`, `StopRequested`,
//! `Retrying`) are sent while this lock (or, for express jobs, a desk's lock)
//! is held, so the consumer sees them in the order the state changed;
//! the consumer's waker, remote starts and stop callbacks run after the lock
//! is released (see [`AfterUnlock`]).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;
use std::time::Instant;

use super::cell::{JobCell, StopCallback};
use super::express::Express;
use super::queue::ReadyQueue;
use super::worker_threads::WorkerThreads;
use super::{JobId, JobIdMap, OutcomeKind, RemoteJob};

mod admit;
mod complete;
mod control;
mod dispatch;
mod entry;
mod lookup;
mod registry;

pub(crate) use admit::Admission;
pub(crate) use complete::{RunFailure, outcome_of};
pub(crate) use dispatch::{Dispatch, Seat};
use registry::Registry;
pub(crate) use registry::Slot;

/// Where a job stands, as the pool sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobState {
    /// Waiting for dependencies to succeed.
    Waiting,
    /// In the queue, ready to start.
    Queued,
    /// An attempt is in flight.
    Running {
        /// The worker thread running it; `None` for a remote job.
        worker: Option<usize>,
        /// When this attempt started.
        started: Instant,
        /// 1 for the first run.
        attempt: u32,
        /// When a stop was asked, if it was.
        stop_requested: Option<Instant>,
    },
    /// Done, one way or another.
    Ended(OutcomeKind),
}

/// Counts of live jobs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolCounts {
    /// Waiting for dependencies.
    pub waiting: usize,
    /// In the queue.
    pub queued: usize,
    /// Running, on a worker or remotely.
    pub running: usize,
}

/// What [`Pool::wind_down`](crate::engine::Pool::wind_down) did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WindDown {
    /// Jobs that had not started and never will: cancelled (or stopped,
    /// when queued again for a retry).
    pub unstarted: Vec<JobId>,
    /// Running jobs asked to stop.
    pub stopped: Vec<JobId>,
}

/// An attempt of a remote job to start once the lock is released.
pub(crate) struct RemoteStart {
    pub(crate) job: Arc<dyn RemoteJob>,
    pub(crate) cell: Arc<JobCell>,
    pub(crate) slot: Slot,
    pub(crate) attempt: u32,
}

/// What the holder of the lock leaves to do once it lets go: calls into code
/// the engine does not control (the consumer's waker, remote executors),
/// which must never run under the lock.
#[derive(Default)]
pub(crate) struct AfterUnlock {
    /// Events were queued: wake the consumer.
    pub(crate) wake: bool,
    pub(crate) remote_starts: Vec<RemoteStart>,
    pub(crate) stop_callbacks: Vec<StopCallback>,
}

impl AfterUnlock {
    pub(crate) fn is_empty(&self) -> bool {
        !self.wake && self.remote_starts.is_empty() && self.stop_callbacks.is_empty()
    }
}

/// Spare cells kept at most; more than the jobs that run at once is rarely
/// useful.
const SPARE_CELLS: usize = 1024;

pub(crate) struct State {
    pub(crate) max_threads: usize,
    /// Jobs running: on workers (desks included) and remote.
    pub(crate) running: usize,
    /// Of those, remote ones.
    pub(crate) remote_running: usize,
    pub(crate) paused: bool,
    pub(crate) shutting_down: bool,
    queue: ReadyQueue,
    registry: Registry,
    /// For each job, the jobs waiting for it.
    dependents: JobIdMap<Vec<JobId>>,
    next_seq: u64,
    pub(crate) workers: WorkerThreads,
    pub(crate) express: Express,
    /// Cells of ended attempts, ready for the next ones: a busy pool makes no
    /// allocation per job for them.
    spare_cells: Vec<Arc<JobCell>>,
    /// Running attempts with a timeout: (deadline, job, attempt).
    pub(crate) deadlines: BinaryHeap<Reverse<(Instant, JobId, u32)>>,
    /// Set when a deadline was pushed, so the timer thread gets woken.
    pub(crate) deadline_added: bool,
    pub(crate) after_unlock: AfterUnlock,
}

impl State {
    pub(crate) fn new(max_threads: usize) -> Self {
        Self {
            max_threads,
            running: 0,
            remote_running: 0,
            paused: false,
            shutting_down: false,
            queue: ReadyQueue::default(),
            registry: Registry::default(),
            dependents: JobIdMap::default(),
            next_seq: 0,
            workers: WorkerThreads::default(),
            express: Express::new(),
            spare_cells: Vec::new(),
            deadlines: BinaryHeap::new(),
            deadline_added: false,
            after_unlock: AfterUnlock::default(),
        }
    }

    /// Whether a job could start now, cap and pause allowing.
    pub(crate) fn has_room(&self) -> bool {
        !self.paused && !self.shutting_down && self.running < self.max_threads
    }

    /// Whether the express lane may be open: nothing else waits to start
    /// before its jobs (no queued job, no job waiting for another, so no
    /// express job has dependents), and nothing holds new starts back.
    pub(crate) fn may_open_express(&self) -> bool {
        !self.paused
            && !self.shutting_down
            && self.queue.len() == 0
            && self.dependents.is_empty()
            && self.running <= self.max_threads
    }

    /// Queues an event; the consumer is woken once the lock is released.
    pub(crate) fn announce(&mut self, hub: &super::hub::Hub, msg: super::event::Msg) {
        hub.queue(msg);
        self.after_unlock.wake = true;
    }

    /// A cell for an attempt of job `id`: a spare one when there is one.
    fn fresh_cell(&mut self, id: JobId, paused: bool) -> Arc<JobCell> {
        let spare = self.spare_cells.pop().and_then(|mut cell| {
            Arc::get_mut(&mut cell)?.reuse(id, paused);
            Some(cell)
        });
        spare.unwrap_or_else(|| Arc::new(JobCell::new(id, paused)))
    }

    /// Keeps an ended attempt's cell for a later one, if nothing else holds
    /// it (an unread progress notice may).
    fn keep_cell(&mut self, mut cell: Arc<JobCell>) {
        if Arc::get_mut(&mut cell).is_some() && self.spare_cells.len() < SPARE_CELLS {
            self.spare_cells.push(cell);
        }
    }
}
