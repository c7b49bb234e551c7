//! The pool: a resizable set of named worker threads fed from the scheduler.

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering, fence};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};

use crossbeam_channel::{Receiver, Sender, unbounded};

use super::cell::{Hub, StopReason, Wake};
use super::error::MAX_THREADS_RANGE;
use super::scheduler::{Dispatch, JobState, PoolCounts, State, WorkerMsg};
use super::worker::{timer_main, worker_main};
use super::{EngineError, EventReceiver, JobId, NewJob};

pub(crate) struct Inner {
    pub(crate) state: Mutex<State>,
    /// Plain jobs (see `NewJob::is_plain`) land here without the
    /// scheduler's lock. When the pool runs fast, workers take them from
    /// here themselves; otherwise whoever takes the scheduler's lock next
    /// admits them, in order, before doing anything else.
    inbox: Sender<NewJob>,
    pub(crate) inbox_rx: Receiver<NewJob>,
    /// Whether the pool runs fast: a worker that ends a plain job takes the
    /// next one from the inbox under its desk's lock alone. Shared with
    /// `State`, which sets and clears it under the scheduler's lock; see
    /// `State::may_run_fast` for when, and `State::leave_fast` for how.
    pub(crate) fast: Arc<AtomicBool>,
    /// What a submitter must do so that its job starts if it can: see
    /// [`Room`]. Written before every unlock.
    room: AtomicU8,
    /// Set while a [`WorkerMsg::Kick`] is on its way, so a burst of
    /// submissions wakes one idle worker, not one per job.
    kick_pending: AtomicBool,
    /// Idle workers wait on this for work. Besides kicks, the scheduler
    /// sends only as many messages as there are idle workers, so none waits
    /// in the channel.
    dispatch_tx: Sender<WorkerMsg>,
    pub(crate) dispatch_rx: Receiver<WorkerMsg>,
    /// The timeout thread waits here for the next deadline.
    pub(crate) timer_cv: Condvar,
    pub(crate) hub: Arc<Hub>,
}

impl Inner {
    /// The scheduler's state. Lets a pool that may run fast do so (see
    /// `State::may_run_fast`), or admits the inbox. Lookups by id settle
    /// the state themselves when they need to (see `State::find`).
    ///
    /// A panic while holding this lock would be a bug in the scheduler
    /// itself (jobs never run under it); the state is still consistent
    /// enough to shut down, so poisoning is ignored.
    pub(crate) fn lock(self: &Arc<Self>) -> Locked<'_> {
        let mut locked = Locked {
            inner: self,
            state: self.lock_raw(),
        };
        let state = &mut locked.state;
        if state.may_run_fast() {
            // Then the inbox is the queue, and workers take from it.
            state.enter_fast();
        } else if !state.is_fast() {
            state.admit_inbox();
        }
        locked
    }

    /// The scheduler's state, settled (see `State::settle`): every job
    /// submitted before this call is in the slab or on a desk, and stays
    /// there while the lock is held. For admitting jobs that are not plain,
    /// which must come after those in submission order and may depend on
    /// them, and for stopping everything.
    pub(crate) fn lock_settled(self: &Arc<Self>) -> Locked<'_> {
        let mut locked = Locked {
            inner: self,
            state: self.lock_raw(),
        };
        locked.state.settle();
        locked
    }

    /// The bare lock, for the timer thread, which waits on a condition
    /// variable, never makes room for a job, and looks up only jobs with a
    /// timeout (never plain, so always in the slab).
    pub(crate) fn lock_raw(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sends to the idle workers. The receiver lives here too, so this
    /// cannot fail.
    pub(crate) fn send_to_worker(&self, msg: WorkerMsg) {
        let _ = self.dispatch_tx.send(msg);
    }

    /// A kicked worker takes back the kick before it looks at the inbox, so
    /// a job submitted after this sends a kick of its own.
    pub(crate) fn kick_taken(&self) {
        self.kick_pending.store(false, Ordering::SeqCst);
    }

    /// Runs before every unlock: switches fast mode on or off as the state
    /// now allows, publishes what a submitter must do, and if a job could
    /// start, starts whatever reached the inbox meanwhile.
    ///
    /// A submitter pushes to the inbox and then reads `room`; this stores
    /// `room` and then reads the inbox. With a full fence on both sides at
    /// least one of them sees the other's write, so a job never waits in the
    /// inbox while a worker could run it.
    fn before_unlock(self: &Arc<Self>, state: &mut State) {
        loop {
            if state.may_run_fast() {
                state.enter_fast();
            } else {
                state.leave_fast();
            }
            let room = if !state.has_room() {
                Room::Full
            } else if state.workers.idle > 0 {
                Room::Idle
            } else {
                Room::Lock
            };
            self.room.store(room as u8, Ordering::SeqCst);
            if room == Room::Full {
                return;
            }
            fence(Ordering::SeqCst);
            if self.inbox_rx.is_empty() {
                return;
            }
            if !state.is_fast() {
                state.admit_inbox();
            }
            self.staff(state);
        }
    }

    /// Gives every job that may start now a worker: idle workers first, then
    /// new ones up to the cap. Also wakes the timer for new deadlines.
    pub(crate) fn staff(self: &Arc<Self>, state: &mut State) {
        while state.workers.idle > 0 {
            let Some(dispatch) = state.dispatch() else {
                break;
            };
            state.workers.idle -= 1;
            self.send_to_worker(WorkerMsg::Run(dispatch));
        }
        while state.workers.alive < state.max_threads {
            let Some(dispatch) = state.dispatch() else {
                break;
            };
            self.spawn_worker(state, dispatch);
        }
        if std::mem::take(&mut state.deadline_added) {
            self.timer_cv.notify_one();
        }
    }

    /// Retires idle workers above the cap; busy ones retire when their job
    /// ends.
    pub(crate) fn retire_excess(&self, state: &mut State) {
        let excess = state.workers.alive.saturating_sub(state.max_threads);
        self.retire_idle(state, excess);
    }

    /// Tells up to `count` idle workers to exit.
    fn retire_idle(&self, state: &mut State, count: usize) {
        for _ in 0..count.min(state.workers.idle) {
            state.workers.idle -= 1;
            state.workers.alive -= 1;
            self.send_to_worker(WorkerMsg::Retire);
        }
    }

    fn spawn_worker(self: &Arc<Self>, state: &mut State, first: Dispatch) {
        let slot = state.workers.take_slot();
        let desk = Arc::clone(&state.workers.desks[slot]);
        let inner = Arc::clone(self);
        // The job travels to the thread through this cell, so that if the
        // spawn fails it can go back to the queue.
        let handoff = Arc::new(Mutex::new(Some(first)));
        let for_thread = Arc::clone(&handoff);
        let spawned = thread::Builder::new()
            .name(format!("jobdeck-worker-{slot}"))
            .spawn(move || {
                let first = for_thread
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take();
                worker_main(&inner, slot, &desk, first);
            });
        if let Ok(handle) = spawned {
            state.workers.alive += 1;
            state.workers.handles.retain(|h| !h.is_finished());
            state.workers.handles.push(handle);
        } else {
            // Out of threads: the job goes back to the queue and starts when
            // a running worker frees up, so nothing is lost.
            state.workers.free_slot(slot);
            let first = handoff
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            if let Some(first) = first {
                state.undispatch(first);
            }
        }
    }
}

/// The scheduler's state, locked; see [`Inner::lock`].
pub(crate) struct Locked<'a> {
    inner: &'a Arc<Inner>,
    state: MutexGuard<'a, State>,
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
        self.inner.before_unlock(&mut self.state);
    }
}

/// How many jobs of a batch of plain ones are sent between two looks at
/// `room`: few enough that a pool starts on a long batch at once, many
/// enough that the looks cost nothing next to the sends.
const WAKE_EVERY: usize = 1024;

/// What a fresh submission needs for its job to start as soon as it can.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Room {
    /// Nothing: no job can start now (every worker busy, or paused); the
    /// next worker to finish admits the inbox.
    Full,
    /// Wake an idle worker with a kick; it admits the inbox.
    Idle,
    /// Take the lock: a worker may have to be spawned.
    Lock,
}

/// A pool of worker threads running [`Job`](super::Job)s, at most
/// `max_threads` at a time.
///
/// Dropping it stops every job and joins every thread.
pub struct Pool {
    inner: Arc<Inner>,
    timer: Option<JoinHandle<()>>,
}

impl Pool {
    /// A pool running at most `max_threads` jobs at once, and the receiver of
    /// its events. Worker threads start as jobs arrive.
    ///
    /// # Errors
    /// [`EngineError::InvalidMaxThreads`] outside `1..=1024`.
    ///
    /// # Panics
    /// When the operating system refuses to start the pool's timer thread.
    pub fn new(max_threads: usize) -> Result<(Self, EventReceiver), EngineError> {
        check_max_threads(max_threads)?;
        let (tx, rx) = unbounded();
        let (dispatch_tx, dispatch_rx) = unbounded();
        let (inbox, inbox_rx) = unbounded();
        let fast = Arc::new(AtomicBool::new(false));
        let inner = Arc::new(Inner {
            state: Mutex::new(State::new(max_threads, inbox_rx.clone(), Arc::clone(&fast))),
            inbox,
            inbox_rx,
            fast,
            room: AtomicU8::new(Room::Lock as u8),
            kick_pending: AtomicBool::new(false),
            dispatch_tx,
            dispatch_rx,
            timer_cv: Condvar::new(),
            hub: Arc::new(Hub::new(tx)),
        });
        let timer_inner = Arc::clone(&inner);
        let timer = thread::Builder::new()
            .name("jobdeck-timer".to_owned())
            .spawn(move || timer_main(&timer_inner))
            .expect("the pool needs its timer thread");
        Ok((
            Self {
                inner,
                timer: Some(timer),
            },
            EventReceiver::new(rx),
        ))
    }

    /// Sets the function called whenever an event is queued (the window
    /// passes its repaint request), told whether the event changes a job's
    /// state or only reports progress. Only the first call has an effect;
    /// returns whether this one did.
    pub fn set_waker(&self, wake: impl Fn(Wake) + Send + Sync + 'static) -> bool {
        self.inner.hub.set_waker(Arc::new(wake))
    }

    /// Queues one job and returns its id.
    ///
    /// # Errors
    /// Unknown dependency, reused id, or a pool that is shutting down.
    pub fn submit(&self, job: NewJob) -> Result<JobId, EngineError> {
        let id = job.id;
        if job.is_plain() {
            self.submit_plain([job]);
            return Ok(id);
        }
        let mut state = self.inner.lock_settled();
        state.admit_single(&self.inner.hub, job)?;
        self.inner.staff(&mut state);
        Ok(id)
    }

    /// Queues a batch whose jobs may depend on each other. All or nothing.
    ///
    /// # Errors
    /// Unknown dependency, a cycle, a reused id, or a pool that is shutting
    /// down; then no job of the batch was queued.
    pub fn submit_all(&self, jobs: Vec<NewJob>) -> Result<Vec<JobId>, EngineError> {
        let ids = jobs.iter().map(|job| job.id).collect();
        if jobs.iter().all(NewJob::is_plain) {
            self.submit_plain(jobs);
            return Ok(ids);
        }
        let mut state = self.inner.lock_settled();
        state.admit(&self.inner.hub, jobs)?;
        self.inner.staff(&mut state);
        Ok(ids)
    }

    /// Submits plain jobs through the inbox, without the lock unless a
    /// worker may have to be spawned; an idle worker is woken to admit them
    /// instead. The pool only shuts down when it is dropped, so no
    /// submission can race with that.
    ///
    /// A long batch makes room for its jobs as it goes (after its first job
    /// and every [`WAKE_EVERY`] jobs), so the pool starts on it while the
    /// rest is still being sent.
    fn submit_plain(&self, jobs: impl IntoIterator<Item = NewJob>) {
        let mut unseen = false;
        for (index, job) in jobs.into_iter().enumerate() {
            // The receiver lives in `inner` too, so this cannot fail.
            let _ = self.inner.inbox.send(job);
            unseen = index % WAKE_EVERY != 0;
            if !unseen {
                self.make_room();
            }
        }
        if unseen {
            self.make_room();
        }
    }

    /// Does what `room` says a job that just reached the inbox needs.
    fn make_room(&self) {
        fence(Ordering::SeqCst);
        match self.inner.room.load(Ordering::SeqCst) {
            room if room == Room::Idle as u8
                && !self.inner.kick_pending.swap(true, Ordering::SeqCst) =>
            {
                self.inner.send_to_worker(WorkerMsg::Kick);
            }
            room if room == Room::Lock as u8 => {
                let mut state = self.inner.lock();
                self.inner.staff(&mut state);
            }
            _ => {}
        }
    }

    /// The cap on jobs running at once.
    #[must_use]
    pub fn max_threads(&self) -> usize {
        self.inner.lock().max_threads
    }

    /// Changes the cap at once. Raising it starts queued jobs now; lowering it
    /// lets running jobs finish and holds back new starts until fewer than
    /// `max_threads` run.
    ///
    /// # Errors
    /// [`EngineError::InvalidMaxThreads`] outside `1..=1024`; nothing changes.
    pub fn set_max_threads(&self, max_threads: usize) -> Result<(), EngineError> {
        check_max_threads(max_threads)?;
        let mut state = self.inner.lock();
        state.max_threads = max_threads;
        self.inner.staff(&mut state);
        self.inner.retire_excess(&mut state);
        Ok(())
    }

    /// Stops a job: a queued or waiting one is cancelled at once, a running
    /// one has its stop flag set. Returns whether the job was live.
    pub fn stop(&self, id: JobId) -> bool {
        let mut state = self.inner.lock();
        let live = state.stop(&self.inner.hub, id, StopReason::Requested);
        self.inner.staff(&mut state);
        live
    }

    /// Cancels a job that has not started; a running job is left alone.
    /// Returns whether it was cancelled.
    pub fn cancel(&self, id: JobId) -> bool {
        let mut state = self.inner.lock();
        let cancelled = state.cancel(&self.inner.hub, id);
        self.inner.staff(&mut state);
        cancelled
    }

    /// Cancels everything queued or waiting and stops everything running.
    pub fn stop_all(&self) {
        self.inner.lock_settled().stop_all(&self.inner.hub);
    }

    /// Holds back new starts; running jobs go on.
    pub fn pause(&self) {
        self.inner.lock().paused = true;
    }

    /// Lets queued jobs start again.
    pub fn resume(&self) {
        let mut state = self.inner.lock();
        state.paused = false;
        self.inner.staff(&mut state);
    }

    /// Whether new starts are held back.
    #[must_use]
    pub fn is_paused(&self) -> bool {
        self.inner.lock().paused
    }

    /// Changes a queued or waiting job's priority. Returns whether it did.
    pub fn set_priority(&self, id: JobId, priority: i32) -> bool {
        self.inner.lock().set_priority(id, priority)
    }

    /// Pauses (`true`) or resumes a job at its next checkpoint. Returns
    /// whether the job was live.
    pub fn set_job_paused(&self, id: JobId, paused: bool) -> bool {
        self.inner.lock().set_job_paused(id, paused)
    }

    /// Where a job stands; `None` for an id the pool has never seen.
    #[must_use]
    pub fn state(&self, id: JobId) -> Option<JobState> {
        self.inner.lock().job_state(id)
    }

    /// How many jobs wait, are queued and run.
    #[must_use]
    pub fn counts(&self) -> PoolCounts {
        self.inner.lock().counts()
    }

    /// Worker threads alive right now.
    #[must_use]
    pub fn worker_threads(&self) -> usize {
        self.inner.lock().workers.alive
    }

    /// Stops everything and joins every thread; waits for running jobs to
    /// notice their stop flag.
    pub fn shutdown(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        let handles = {
            let mut state = self.inner.lock_settled();
            state.stop_all(&self.inner.hub);
            state.shutting_down = true;
            // Busy workers exit when their job ends.
            let idle = state.workers.idle;
            self.inner.retire_idle(&mut state, idle);
            std::mem::take(&mut state.workers.handles)
        };
        self.inner.timer_cv.notify_all();
        for handle in handles {
            // A worker that panicked outside a job has nothing left to report.
            let _ = handle.join();
        }
        if let Some(timer) = self.timer.take() {
            let _ = timer.join();
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.shut_down();
    }
}

#[cfg(test)]
mod tests;

fn check_max_threads(max_threads: usize) -> Result<(), EngineError> {
    if MAX_THREADS_RANGE.contains(&max_threads) {
        Ok(())
    } else {
        Err(EngineError::InvalidMaxThreads(max_threads))
    }
}
