//! The pool: a resizable set of named worker threads fed from the scheduler.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};

use crossbeam_channel::unbounded;

use super::cell::{Hub, StopReason};
use super::error::MAX_THREADS_RANGE;
use super::scheduler::{JobState, PoolCounts, State};
use super::worker::{timer_main, worker_main};
use super::{EngineError, EventReceiver, JobId, NewJob};

pub(crate) struct Inner {
    pub(crate) state: Mutex<State>,
    /// Idle workers wait here for work.
    pub(crate) work_cv: Condvar,
    /// The timeout thread waits here for the next deadline.
    pub(crate) timer_cv: Condvar,
    pub(crate) hub: Arc<Hub>,
}

impl Inner {
    /// The scheduler's state. A panic while holding this lock would be a bug
    /// in the scheduler itself (jobs never run under it); the state is still
    /// consistent enough to shut down, so poisoning is ignored.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Makes sure every job that may start now has a worker to start it:
    /// wakes idle workers and spawns new ones up to the cap.
    pub(crate) fn staff(self: &Arc<Self>, state: &mut State) {
        let mut wanted = state.startable();
        let available = state.workers.idle - state.workers.woken;
        let wake = wanted.min(available);
        for _ in 0..wake {
            self.work_cv.notify_one();
        }
        state.workers.woken += wake;
        wanted -= wake;
        while wanted > 0 && state.workers.alive < state.max_threads {
            self.spawn_worker(state);
            wanted -= 1;
        }
    }

    fn spawn_worker(self: &Arc<Self>, state: &mut State) {
        let slot = state.workers.take_slot();
        let inner = Arc::clone(self);
        let spawned = thread::Builder::new()
            .name(format!("jobdeck-worker-{slot}"))
            .spawn(move || worker_main(&inner, slot));
        match spawned {
            Ok(handle) => {
                state.workers.alive += 1;
                state.workers.handles.retain(|h| !h.is_finished());
                state.workers.handles.push(handle);
            }
            Err(_) => {
                // Out of threads: the jobs stay queued and start when a
                // running worker frees up, so nothing is lost.
                state.workers.free_slot(slot);
            }
        }
    }
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
        let inner = Arc::new(Inner {
            state: Mutex::new(State::new(max_threads)),
            work_cv: Condvar::new(),
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
    /// passes its repaint request). Only the first call has an effect;
    /// returns whether this one did.
    pub fn set_waker(&self, wake: impl Fn() + Send + Sync + 'static) -> bool {
        self.inner.hub.set_waker(Arc::new(wake))
    }

    /// Queues one job and returns its id.
    ///
    /// # Errors
    /// Unknown dependency, reused id, or a pool that is shutting down.
    pub fn submit(&self, job: NewJob) -> Result<JobId, EngineError> {
        let id = job.id;
        self.submit_all(vec![job])?;
        Ok(id)
    }

    /// Queues a batch whose jobs may depend on each other. All or nothing.
    ///
    /// # Errors
    /// Unknown dependency, a cycle, a reused id, or a pool that is shutting
    /// down; then no job of the batch was queued.
    pub fn submit_all(&self, jobs: Vec<NewJob>) -> Result<Vec<JobId>, EngineError> {
        let ids = jobs.iter().map(|job| job.id).collect();
        let mut state = self.inner.lock();
        state.admit(&self.inner.hub, jobs)?;
        self.inner.staff(&mut state);
        Ok(ids)
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
        // Idle workers above the new cap wake up to retire.
        self.inner.work_cv.notify_all();
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
        self.inner.lock().stop_all(&self.inner.hub);
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
        let state = self.inner.lock();
        let Some(cell) = state.cell(id) else {
            return false;
        };
        cell.set_paused(paused);
        true
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
            let mut state = self.inner.lock();
            state.stop_all(&self.inner.hub);
            state.shutting_down = true;
            std::mem::take(&mut state.workers.handles)
        };
        self.inner.work_cv.notify_all();
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

fn check_max_threads(max_threads: usize) -> Result<(), EngineError> {
    if MAX_THREADS_RANGE.contains(&max_threads) {
        Ok(())
    } else {
        Err(EngineError::InvalidMaxThreads(max_threads))
    }
}
