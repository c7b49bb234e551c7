//! The pool: the public face of the engine.

use std::sync::{Arc, PoisonError};
use std::thread::{self, JoinHandle};

use crossbeam_channel::unbounded;

use super::cell::StopReason;
use super::error::MAX_THREADS_RANGE;
use super::hub::{Hub, Wake};
use super::scheduler::{Admission, JobState, PoolCounts, WindDown};
use super::shared::Shared;
use super::timer::timer_main;
use super::{EngineError, EventReceiver, JobId, NewJob};

/// A pool of worker threads running [`Job`](super::Job)s, and remote jobs
/// (see [`RemoteJob`](super::RemoteJob)), at most `max_threads` at a time.
///
/// Dropping it stops every job and joins every thread.
pub struct Pool {
    shared: Arc<Shared>,
    timer: Option<JoinHandle<()>>,
}

impl Pool {
    /// A pool running at most `max_threads` jobs at once, and the receiver of
    /// its events. Worker threads start as local jobs arrive.
    ///
    /// # Errors
    /// [`EngineError::InvalidMaxThreads`] outside `1..=1024`;
    /// [`EngineError::NoThread`] when the operating system refuses to start
    /// the pool's timer thread.
    pub fn new(max_threads: usize) -> Result<(Self, EventReceiver), EngineError> {
        check_max_threads(max_threads)?;
        let (tx, rx) = unbounded();
        let shared = Arc::new(Shared::new(max_threads, Hub::new(tx)));
        let for_timer = Arc::clone(&shared);
        let timer = thread::Builder::new()
            .name("jobdeck-timer".to_owned())
            .spawn(move || timer_main(&for_timer))
            .map_err(|err| EngineError::NoThread {
                thread: "timer",
                reason: err.to_string(),
            })?;
        Ok((
            Self {
                shared,
                timer: Some(timer),
            },
            EventReceiver::new(rx),
        ))
    }

    /// Sets the function called whenever events are queued (the window
    /// passes its repaint request), told whether they change a job's state
    /// or only report progress. Only the first call has an effect; returns
    /// whether this one did.
    ///
    /// The pool calls it with none of its locks held, so it may call the
    /// pool back (`counts`, `submit`, `stop`...); it should return quickly.
    pub fn set_waker(&self, wake: impl Fn(Wake) + Send + Sync + 'static) -> bool {
        self.shared.hub.set_waker(Arc::new(wake))
    }

    /// Queues one job and returns its id.
    ///
    /// # Errors
    /// Unknown dependency, or a reused id; then nothing was queued.
    pub fn submit(&self, job: NewJob) -> Result<JobId, EngineError> {
        let id = job.id;
        if job.has_chosen_id() {
            self.submit_checked(vec![job])?;
            return Ok(id);
        }
        match job.into_express() {
            // A fresh random id cannot clash (1 in 2^122): no check, and no
            // lock unless a worker could start it now.
            Ok(express) => self.shared.submit_express(std::iter::once(express)),
            Err(job) => self.submit_checked(vec![job])?,
        }
        Ok(id)
    }

    /// Queues a batch whose jobs may depend on each other. All or nothing.
    ///
    /// # Errors
    /// Unknown dependency, a cycle, or a reused id; then no job of the batch
    /// was queued.
    pub fn submit_all(&self, jobs: Vec<NewJob>) -> Result<Vec<JobId>, EngineError> {
        let ids = jobs.iter().map(|job| job.id).collect();
        if jobs
            .iter()
            .all(|job| job.is_express() && !job.has_chosen_id())
        {
            // As in `submit`: fresh random ids need no check.
            self.shared
                .submit_express(jobs.into_iter().filter_map(|job| job.into_express().ok()));
        } else {
            self.submit_checked(jobs)?;
        }
        Ok(ids)
    }

    /// Checks and queues a batch under the scheduler's lock. Express jobs
    /// (their chosen ids now in the index) go into the express lane after
    /// the lock is released, so that workers finding the inbox empty meanwhile
    /// do not wait for the whole batch.
    fn submit_checked(&self, jobs: Vec<NewJob>) -> Result<(), EngineError> {
        let admission = self.shared.lock().admit(&self.shared.hub, jobs)?;
        if let Admission::Express(jobs) = admission {
            self.shared
                .submit_express(jobs.into_iter().filter_map(|job| job.into_express().ok()));
        }
        Ok(())
    }

    /// The cap on jobs running at once.
    #[must_use]
    pub fn max_threads(&self) -> usize {
        self.shared.lock().max_threads
    }

    /// Changes the cap at once. Raising it starts queued jobs now; lowering it
    /// lets running jobs finish and holds back new starts until fewer than
    /// `max_threads` run.
    ///
    /// # Errors
    /// [`EngineError::InvalidMaxThreads`] outside `1..=1024`; nothing changes.
    pub fn set_max_threads(&self, max_threads: usize) -> Result<(), EngineError> {
        check_max_threads(max_threads)?;
        self.shared.lock().max_threads = max_threads;
        Ok(())
    }

    /// Stops a job: a queued or waiting one is cancelled at once, a running
    /// one has its stop flag set (a remote one's executor is told). Returns
    /// whether the job was live.
    pub fn stop(&self, id: JobId) -> bool {
        let mut state = self.shared.lock();
        state.stop(&self.shared.hub, id, StopReason::Requested)
    }

    /// Cancels a job that has not started; a running job is left alone.
    /// Returns whether it was cancelled.
    pub fn cancel(&self, id: JobId) -> bool {
        let mut state = self.shared.lock();
        state.cancel(&self.shared.hub, id)
    }

    /// Cancels everything queued or waiting and stops everything running.
    pub fn stop_all(&self) {
        self.shared.lock().stop_all(&self.shared.hub);
    }

    /// Ends the jobs of `ids` that have not started (cancelled, or stopped
    /// when queued again for a retry) and, with `stop_running`, stops those
    /// that run, all at once: none of them starts in between. Jobs of `ids`
    /// that ended, and running ones without `stop_running`, are left alone.
    /// This is how a halt policy ends a batch (see
    /// [`HaltSink`](crate::session::HaltSink)).
    pub fn wind_down(&self, ids: &[JobId], stop_running: bool) -> WindDown {
        self.shared
            .lock()
            .wind_down(&self.shared.hub, ids, stop_running)
    }

    /// Holds back new starts; running jobs go on.
    pub fn pause(&self) {
        self.shared.lock().paused = true;
    }

    /// Lets queued jobs start again.
    pub fn resume(&self) {
        self.shared.lock().paused = false;
    }

    /// Whether new starts are held back.
    #[must_use]
    pub fn is_paused(&self) -> bool {
        self.shared.lock().paused
    }

    /// Changes a queued or waiting job's priority. Returns whether it did.
    pub fn set_priority(&self, id: JobId, priority: i32) -> bool {
        self.shared.lock().set_priority(id, priority)
    }

    /// Pauses (`true`) or resumes a job at its next checkpoint. Returns
    /// whether it did: false for a job that is not live, or a remote job
    /// whose executor cannot pause (see
    /// [`RemoteJob::can_pause`](super::RemoteJob::can_pause)).
    pub fn set_job_paused(&self, id: JobId, paused: bool) -> bool {
        self.shared.lock().set_job_paused(id, paused)
    }

    /// Where a job stands; `None` for an id the pool has never seen.
    #[must_use]
    pub fn state(&self, id: JobId) -> Option<JobState> {
        self.shared.lock().job_state(id)
    }

    /// How many jobs wait, are queued and run.
    #[must_use]
    pub fn counts(&self) -> PoolCounts {
        self.shared.lock().counts()
    }

    /// Worker threads alive right now.
    #[must_use]
    pub fn worker_threads(&self) -> usize {
        self.shared.lock().workers.alive
    }

    /// Stops everything and joins every thread; waits for running jobs to
    /// notice their stop flag, and for remote jobs in flight to report.
    pub fn shutdown(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        let handles = {
            let mut state = self.shared.lock();
            state.stop_all(&self.shared.hub);
            state.shutting_down = true;
            // Busy workers exit when their job ends.
            let idle = state.workers.idle.len();
            state.workers.retire_idle(idle);
            std::mem::take(&mut state.workers.handles)
        };
        self.shared.timer_cv.notify_all();
        for handle in handles {
            // A worker that panicked outside a job has nothing left to report.
            let _ = handle.join();
        }
        let mut state = self.shared.lock_raw();
        while state.remote_running > 0 {
            state = self
                .shared
                .remote_done
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        drop(state);
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
