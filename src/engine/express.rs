//! The express lane: how jobs that need nothing from the scheduler but their
//! turn run without the scheduler's lock. This module owns every move of an
//! express job; the invariants below are the whole protocol.
//!
//! An *express job* is local, priority 0, with no timeout, retries or
//! dependencies (`NewJob::into_express`); its id may be the caller's, once
//! the scheduler checked it (see `registry`). It is submitted into the
//! [`Inbox`], a crossbeam channel, in submission order, without the
//! scheduler's lock. A
//! worker's [`Desk`] holds the express job it runs (so that lookups by id
//! find it) and the ends of the ones it ran that the scheduler has not filed
//! yet. Each job is in exactly one place: the inbox, a desk, the scheduler's
//! slab (once admitted there), or ended.
//!
//! The lane is *open* while nothing could start before an inbox job and no
//! new start may be held back: no job queued in the scheduler, none waiting
//! for another, no pause, no shutdown, no more jobs running than the cap
//! (`State::may_open_express`). While it is open the inbox is the whole
//! queue, and a worker that ends an express job takes the next one from the
//! inbox under its desk's lock alone ([`Express::hand_over`]). While it is
//! closed, whoever takes the scheduler's lock admits the inbox into the slab
//! first, so jobs keep their submission order.
//!
//! Invariants:
//! 1. `open` is written only under the scheduler's lock. Closing it then
//!    locks every desk once: a worker reads `open` under its desk's lock,
//!    so after [`Express::close`] no worker moves a job between the inbox
//!    and a desk, or ends one, without the scheduler's lock, until the lane
//!    opens again. What a holder of the scheduler's lock reads from a closed
//!    lane's desks stays true while it holds the lock.
//! 2. A hand-over leaves the number of running jobs as it was (one ends,
//!    one starts), so it never needs the cap. A worker that finds the inbox
//!    empty hands nothing over: it records the end under the scheduler's
//!    lock, as with a closed lane, and counts itself idle there.
//! 3. A submitter pushes into the inbox, then reads `room`; the holder of
//!    the scheduler's lock stores `room` before it unlocks, then reads
//!    whether the inbox is empty (a full fence on both sides). So at least
//!    one of them sees the other: a job never waits in the inbox while a
//!    worker could run it.
//! 4. Events are sent under the desk's lock: the end of a job and the start
//!    of the next (one message), before the scheduler can file that end
//!    (filing takes the desk's lock). So a consumer sees a job's `Finished`
//!    before anything that depended on it starts, and a job's `Started`
//!    before its `StopRequested` (a stop of a desk job takes the desk's
//!    lock, after closing the lane).

use std::sync::atomic::{AtomicBool, Ordering, fence};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use crossbeam_channel::{Receiver, Sender, unbounded};

use super::cell::JobCell;
use super::event::Msg;
use super::hub::Hub;
use super::new_job::ExpressJob;
use super::scheduler::{Dispatch, RunFailure, Seat, outcome_of};
use super::{JobId, Outcome, OutcomeKind, Output};

/// The lock-free half of the lane, shared with submitters and workers.
pub(crate) struct Inbox {
    tx: Sender<ExpressJob>,
    rx: Receiver<ExpressJob>,
    /// Whether the lane is open; see the module's invariant 1.
    open: AtomicBool,
    /// Whether a job pushed now could start at once, so its submitter must
    /// take the scheduler's lock to start it (invariant 3).
    room: AtomicBool,
}

impl Inbox {
    fn new() -> Self {
        let (tx, rx) = unbounded();
        Self {
            tx,
            rx,
            open: AtomicBool::new(true),
            room: AtomicBool::new(true),
        }
    }

    /// Pushes an express job; returns whether the caller must take the
    /// scheduler's lock for it to start as soon as it can.
    pub(crate) fn push(&self, job: ExpressJob) -> bool {
        // The receiver lives here too, so this cannot fail.
        let _ = self.tx.send(job);
        self.needs_lock()
    }

    /// Pushes an express job for a caller that asks [`needs_lock`](Self::needs_lock)
    /// itself once it has pushed several.
    pub(crate) fn push_quiet(&self, job: ExpressJob) {
        // The receiver lives here too, so this cannot fail.
        let _ = self.tx.send(job);
    }

    /// Whether jobs pushed so far could start if somebody took the lock.
    pub(crate) fn needs_lock(&self) -> bool {
        fence(Ordering::SeqCst);
        self.room.load(Ordering::SeqCst)
    }

    pub(crate) fn len(&self) -> usize {
        self.rx.len()
    }
}

/// The express job a worker runs, as lookups see it.
pub(crate) struct DeskJob {
    pub(crate) id: JobId,
    pub(crate) cell: Arc<JobCell>,
    pub(crate) started: Instant,
    pub(crate) stop_requested: Option<Instant>,
}

/// One worker's desk; see the module doc.
#[derive(Default)]
pub(crate) struct DeskState {
    pub(crate) current: Option<DeskJob>,
    /// Express jobs that ended while the lane was open, oldest first, until
    /// the scheduler files them.
    pub(crate) ended: Vec<(JobId, OutcomeKind)>,
}

pub(crate) type Desk = Mutex<DeskState>;

/// A desk's lock. Nothing that can panic runs under it, but a poisoned desk
/// would still hold consistent data, so poisoning is ignored.
pub(crate) fn open_desk(desk: &Desk) -> MutexGuard<'_, DeskState> {
    desk.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What [`Express::hand_over`] did with an ended express job.
pub(crate) enum HandOver {
    /// Announced its end and took the next job from the inbox.
    Next(Dispatch),
    /// Nothing: the lane is closed, or the inbox empty, so the scheduler
    /// records the end (and counts the worker idle).
    Declined(Arc<JobCell>, Result<Output, RunFailure>),
}

/// The lane, owned by the scheduler's state: the inbox and every desk.
pub(crate) struct Express {
    pub(crate) inbox: Arc<Inbox>,
    /// One per worker slot ever used; a slot's next worker inherits its
    /// (empty) desk.
    desks: Vec<Arc<Desk>>,
}

impl Express {
    pub(crate) fn new() -> Self {
        Self {
            inbox: Arc::new(Inbox::new()),
            desks: Vec::new(),
        }
    }

    /// The desk of worker slot `worker`, made on first use.
    pub(crate) fn desk(&mut self, worker: usize) -> Arc<Desk> {
        while self.desks.len() <= worker {
            self.desks.push(Arc::default());
        }
        Arc::clone(&self.desks[worker])
    }

    pub(crate) fn is_open(&self) -> bool {
        // Written only under the scheduler's lock, which the caller holds.
        self.inbox.open.load(Ordering::Relaxed)
    }

    pub(crate) fn open(&self) {
        // Workers read the flag for every job; it is written only when it
        // changes, so their caches keep it.
        if !self.is_open() {
            self.inbox.open.store(true, Ordering::Release);
        }
    }

    /// Closes the lane and waits out any worker in the middle of a
    /// hand-over (invariant 1).
    pub(crate) fn close(&self) {
        if !self.is_open() {
            return;
        }
        self.inbox.open.store(false, Ordering::Release);
        for desk in &self.desks {
            drop(open_desk(desk));
        }
    }

    /// Publishes whether a job pushed now could start, then reports whether
    /// jobs wait in the inbox (invariant 3).
    pub(crate) fn publish_room(&self, room: bool) -> bool {
        self.inbox.room.store(room, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        !self.inbox.rx.is_empty()
    }

    /// The inbox's next job, if any.
    pub(crate) fn next_in_inbox(&self) -> Option<ExpressJob> {
        self.inbox.rx.try_recv().ok()
    }

    /// Puts express job `new` on `worker`'s desk with `cell` and returns it
    /// for the worker to run. Under the scheduler's lock, lane open or not.
    pub(crate) fn seat(&self, worker: usize, new: ExpressJob, cell: Arc<JobCell>) -> Dispatch {
        seat_on(&mut open_desk(&self.desks[worker]), new, cell)
    }

    /// The job on each desk and each desk's unfiled ends, for lookups.
    pub(crate) fn desks(&self) -> impl Iterator<Item = (usize, MutexGuard<'_, DeskState>)> {
        self.desks
            .iter()
            .enumerate()
            .map(|(worker, desk)| (worker, open_desk(desk)))
    }

    pub(crate) fn desk_of(&self, worker: usize) -> Option<MutexGuard<'_, DeskState>> {
        self.desks.get(worker).map(|desk| open_desk(desk))
    }

    /// In an open lane, ends the express job on `worker`'s desk and puts
    /// the inbox's next job there, without the scheduler's lock
    /// (invariants 2 and 4).
    pub(crate) fn hand_over(
        inbox: &Inbox,
        desk: &Desk,
        worker: usize,
        job: JobId,
        cell: Arc<JobCell>,
        result: Result<Output, RunFailure>,
        hub: &Hub,
    ) -> HandOver {
        let mut desk = open_desk(desk);
        // Read under the desk's lock: invariant 1.
        if !inbox.open.load(Ordering::Acquire) {
            return HandOver::Declined(cell, result);
        }
        let Ok(next) = inbox.rx.try_recv() else {
            return HandOver::Declined(cell, result);
        };
        desk.current = None;
        let outcome = outcome_of(result, cell.stop_reason());
        desk.ended.push((job, outcome.kind()));
        // The last job's cell, when nothing holds it any more (an unread
        // progress notice may).
        let mut cell = cell;
        if let Some(spare) = Arc::get_mut(&mut cell) {
            spare.reuse(next.id, false);
        } else {
            cell = Arc::new(JobCell::new(next.id, false));
        }
        let dispatch = seat_on(&mut desk, next, cell);
        hub.queue(handover_msg(job, outcome, &dispatch, worker));
        drop(desk);
        hub.wake();
        HandOver::Next(dispatch)
    }
}

/// The end of one job and the start of the next on the same worker, as one
/// message.
pub(crate) fn handover_msg(
    finished: JobId,
    outcome: Outcome,
    next: &Dispatch,
    worker: usize,
) -> Msg {
    Msg::Handover {
        finished,
        outcome,
        started: next.id,
        worker: u32::try_from(worker).unwrap_or(u32::MAX),
        attempt: next.attempt,
    }
}

fn seat_on(desk: &mut DeskState, new: ExpressJob, cell: Arc<JobCell>) -> Dispatch {
    let ExpressJob { id, job, .. } = new;
    desk.current = Some(DeskJob {
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
        may_retry: false,
    }
}
