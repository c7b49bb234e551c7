//! What the pool's threads share: the scheduler's state behind its lock, the
//! express lane's inbox and the event hub; and what every holder of the lock
//! does before and after letting go of it.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::ops::{Deref, DerefMut};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;

use super::express::Inbox;
use super::hub::Hub;
use super::new_job::ExpressJob;
use super::remote::RemoteHandle;
use super::scheduler::{AfterUnlock, Dispatch, RunFailure, Seat, State};
use super::worker::worker_main;
use super::worker_threads::{WorkerMsg, WorkerSlot};

pub(crate) struct Shared {
    state: Mutex<State>,
    pub(crate) inbox: Arc<Inbox>,
    pub(crate) hub: Arc<Hub>,
    /// The timer thread waits here for the next deadline.
    pub(crate) timer_cv: Condvar,
    /// Shutdown waits here for remote jobs in flight to report.
    pub(crate) remote_done: Condvar,
}

/// How many express jobs of a batch are pushed between two looks at
/// whether a worker could take them: few enough that a pool starts on a
/// long batch at once, many enough that the looks cost nothing next to the
/// pushes.
const STAFF_EVERY: usize = 1024;

impl Shared {
    pub(crate) fn new(max_threads: usize, hub: Hub) -> Self {
        let state = State::new(max_threads);
        let inbox = Arc::clone(&state.express.inbox);
        Self {
            state: Mutex::new(state),
            inbox,
            hub: Arc::new(hub),
            timer_cv: Condvar::new(),
            remote_done: Condvar::new(),
        }
    }

    /// The scheduler's state. A closed express lane's inbox is admitted
    /// first, so whatever the holder queues comes after it.
    ///
    /// A panic while holding this lock would be a bug in the scheduler
    /// itself (jobs never run under it); the state is still consistent
    /// enough to shut down, so poisoning is ignored.
    pub(crate) fn lock(self: &Arc<Self>) -> Locked<'_> {
        let mut state = self.lock_raw();
        if !state.express.is_open() {
            state.admit_inbox();
        }
        Locked {
            state,
            then: Then {
                shared: self,
                work: AfterUnlock::default(),
            },
        }
    }

    /// The bare lock, for waiting on a condition variable. Its holder starts
    /// no job and sends no event.
    pub(crate) fn lock_raw(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Submits express jobs whose ids need no check (fresh random ones, or
    /// chosen ones the index took already), without the lock unless a
    /// worker could take them now (see `express`, invariant 3). A long batch
    /// looks after its first job and every [`STAFF_EVERY`] jobs, so the pool
    /// starts on it while the rest is still being sent.
    pub(crate) fn submit_express(self: &Arc<Self>, jobs: impl IntoIterator<Item = ExpressJob>) {
        let mut unseen = false;
        for (index, job) in jobs.into_iter().enumerate() {
            unseen = index % STAFF_EVERY != 0;
            if unseen {
                // Looked at later, together.
                self.inbox.push_quiet(job);
            } else if self.inbox.push(job) {
                drop(self.lock());
            }
        }
        if unseen && self.inbox.needs_lock() {
            drop(self.lock());
        }
    }

    /// Runs before every unlock: opens or closes the express lane as the
    /// state now allows, starts whatever may start, retires workers above
    /// the cap, publishes whether a job pushed now could start, and starts
    /// what reached the inbox meanwhile (see `express`, invariant 3).
    fn before_unlock(self: &Arc<Self>, state: &mut State) {
        loop {
            if state.may_open_express() {
                state.express.open();
            } else {
                state.express.close();
            }
            let progress = self.staff(state);
            let excess = state.workers.alive.saturating_sub(state.max_threads);
            state.workers.retire_idle(excess);
            let room = state.has_room();
            let waiting = state.express.publish_room(room);
            if !room || !waiting || !progress && state.express.is_open() {
                break;
            }
            if !state.express.is_open() {
                state.admit_inbox();
            }
        }
        if std::mem::take(&mut state.deadline_added) {
            self.timer_cv.notify_one();
        }
    }

    /// Starts every job that may start now: remote ones with their
    /// executors, local ones on idle workers first, then on new ones up to
    /// the cap. Returns whether it started one on a worker.
    pub(crate) fn staff(self: &Arc<Self>, state: &mut State) -> bool {
        let mut progress = false;
        while state.start_remote_at_front(&self.hub) {
            let Some(worker) = state
                .workers
                .idle
                .pop()
                .or_else(|| self.spawn_worker(state))
            else {
                break;
            };
            let Some(dispatch) = state.next_for(&self.hub, worker) else {
                state.workers.idle.push(worker);
                break;
            };
            state.announce(&self.hub, dispatch.started(worker));
            if let Err(WorkerMsg::Run(lost)) = state.workers.send(worker, WorkerMsg::Run(dispatch))
            {
                self.worker_lost(state, worker, lost);
            }
            progress = true;
        }
        progress
    }

    /// A worker the scheduler counted could not be reached: its job fails
    /// rather than waiting for nobody, and the worker is counted out.
    fn worker_lost(&self, state: &mut State, worker: WorkerSlot, lost: Dispatch) {
        state.workers.alive -= 1;
        state.workers.free_slot(worker);
        let failure = || RunFailure::Failed {
            error: "its worker thread is gone".to_owned(),
            exit_code: None,
        };
        let ended = match lost.seat {
            Seat::Slab(slot) => state.complete(&self.hub, slot, None, Err(failure())).ended,
            Seat::Desk => {
                state.complete_on_desk(&self.hub, worker, lost.id, lost.cell, Err(failure()))
            }
        };
        if let Some((id, outcome)) = ended {
            state.send_finished(&self.hub, id, outcome);
        }
    }

    /// Starts a worker thread, idle; `None` at the cap, or when the
    /// operating system refuses (the job then waits for a running worker).
    fn spawn_worker(self: &Arc<Self>, state: &mut State) -> Option<WorkerSlot> {
        if state.workers.alive >= state.max_threads {
            return None;
        }
        let (slot, mail) = state.workers.take_slot();
        let desk = state.express.desk(slot);
        let shared = Arc::clone(self);
        let spawned = thread::Builder::new()
            .name(format!("jobdeck-worker-{slot}"))
            .spawn(move || worker_main(&shared, slot, &desk, &mail));
        let Ok(handle) = spawned else {
            state.workers.free_slot(slot);
            return None;
        };
        state.workers.alive += 1;
        state.workers.handles.retain(|h| !h.is_finished());
        state.workers.handles.push(handle);
        Some(slot)
    }
}

/// The scheduler's state, locked; see [`Shared::lock`]. Dropping it runs
/// [`Shared::before_unlock`], unlocks, then runs what the holder left for
/// after the unlock.
pub(crate) struct Locked<'a> {
    // Dropped first: `then` runs after the unlock.
    state: MutexGuard<'a, State>,
    then: Then<'a>,
}

struct Then<'a> {
    shared: &'a Arc<Shared>,
    work: AfterUnlock,
}

impl Deref for Locked<'_> {
    type Target = State;

    fn deref(&self) -> &State {
        &self.state
    }
}

impl DerefMut for Locked<'_> {
    fn deref_mut(&mut self) -> &mut State {
        &mut self.state
    }
}

impl Drop for Locked<'_> {
    fn drop(&mut self) {
        self.then.shared.before_unlock(&mut self.state);
        self.then.work = std::mem::take(&mut self.state.after_unlock);
    }
}

impl Drop for Then<'_> {
    fn drop(&mut self) {
        let work = std::mem::take(&mut self.work);
        if !work.is_empty() {
            run_after_unlock(self.shared, work);
        }
    }
}

thread_local! {
    /// Work queued by nested unlocks while this thread runs after-unlock
    /// work (a remote start that reports at once, a waker that submits), so
    /// that a chain of them loops here instead of growing the stack.
    static DEFERRED: RefCell<Option<VecDeque<AfterUnlock>>> = const { RefCell::new(None) };
}

/// Wakes the consumer, calls stop callbacks and starts remote jobs, with
/// no lock of the engine's held. A panic in a callback or a remote start is
/// caught: a start that panics fails its attempt.
pub(crate) fn run_after_unlock(shared: &Arc<Shared>, work: AfterUnlock) {
    let work = DEFERRED.with(|deferred| {
        let mut deferred = deferred.borrow_mut();
        if let Some(queue) = deferred.as_mut() {
            queue.push_back(work);
            None
        } else {
            *deferred = Some(VecDeque::new());
            Some(work)
        }
    });
    let Some(work) = work else {
        return;
    };
    let _done = ClearDeferred;
    let mut next = Some(work);
    while let Some(work) = next.take() {
        run_now(shared, work);
        next =
            DEFERRED.with(|deferred| deferred.borrow_mut().as_mut().and_then(VecDeque::pop_front));
    }
}

/// Clears the deferred queue however the loop ends, a panicking waker
/// included.
struct ClearDeferred;

impl Drop for ClearDeferred {
    fn drop(&mut self) {
        DEFERRED.with(|deferred| *deferred.borrow_mut() = None);
    }
}

fn run_now(shared: &Arc<Shared>, work: AfterUnlock) {
    if work.wake {
        shared.hub.wake();
    }
    for callback in work.stop_callbacks {
        // An executor's panic is its own; the stop stands either way.
        let _ = catch_unwind(AssertUnwindSafe(callback));
    }
    for start in work.remote_starts {
        let handle = RemoteHandle::new(shared, start.cell, start.slot, start.attempt);
        let job = start.job;
        // A panic drops the handle, which fails the attempt.
        let _ = catch_unwind(AssertUnwindSafe(move || job.start(handle)));
    }
}
