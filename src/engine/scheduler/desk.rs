//! Each worker's desk: the plain job it runs, and the plain jobs it finished
//! that the scheduler has not filed yet.
//!
//! A plain job (no options at all; see `NewJob::is_plain`) needs nothing
//! from the scheduler once it runs: no deadline, no retry, no dependents
//! while the pool runs fast (see `Inner::fast`). So a worker that takes one
//! for itself keeps it on its own desk rather than in the scheduler's slab,
//! and in fast mode goes from one plain job to the next under its desk's
//! lock alone, which no other worker contends for. The scheduler reads the
//! desks when somebody looks a job up by id.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use super::{Dispatch, Seat};
use crate::engine::cell::JobCell;
use crate::engine::{JobId, NewJob, OutcomeKind};

/// A plain job running on a worker's desk.
pub(crate) struct PlainRun {
    pub(crate) id: JobId,
    pub(crate) cell: Arc<JobCell>,
    pub(crate) started: Instant,
    pub(crate) stop_requested: Option<Instant>,
}

#[derive(Default)]
pub(crate) struct Desk {
    pub(crate) current: Option<PlainRun>,
    /// Plain jobs that ended in fast mode, oldest first, until the
    /// scheduler files them (see `State::file_desks`).
    pub(crate) ended: Vec<(JobId, OutcomeKind)>,
}

impl Desk {
    /// Puts plain job `new` on the desk, to run with `cell` (made or reused
    /// for it), and returns it for the desk's worker to run.
    pub(crate) fn take_on(&mut self, new: NewJob, cell: Arc<JobCell>) -> Dispatch {
        let (id, job, _) = new.into_parts();
        self.current = Some(PlainRun {
            id,
            cell: Arc::clone(&cell),
            started: Instant::now(),
            stop_requested: None,
        });
        Dispatch {
            id,
            seat: Seat::Desk,
            cell,
            job,
            attempt: 1,
        }
    }
}

/// A desk as the worker and the scheduler share it.
pub(crate) type SharedDesk = Arc<Mutex<Desk>>;

/// A desk's lock. Nothing that can panic runs under it, but a poisoned desk
/// would still hold consistent data, so poisoning is ignored.
pub(crate) fn open(desk: &Mutex<Desk>) -> MutexGuard<'_, Desk> {
    desk.lock().unwrap_or_else(PoisonError::into_inner)
}
