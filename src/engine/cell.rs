//! The state one job attempt shares between whoever runs it (a worker, or a
//! remote executor through its handle), the pool and the consumer: stop and
//! pause flags, and what it reported that the consumer has not read yet.

use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::JobId;
use super::LogLine;
use super::Placement;
use super::event::Msg;
use super::hub::Hub;
use super::pending::{LogBudget, PROCESS_LOG_BUDGET, PendingLogs, PendingSamples, Put};

const RUN: u8 = 0;
const TIMED_OUT: u8 = 1;
const STOPPED: u8 = 2;

/// Why a job was asked to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StopReason {
    /// Its timeout passed.
    TimedOut,
    /// A person (or the pool shutting down) asked. Wins over a timeout.
    Requested,
}

/// Called once when a remote attempt is first asked to stop.
pub(crate) type StopCallback = Box<dyn FnOnce() + Send>;

pub(crate) struct JobCell {
    pub(crate) id: JobId,
    /// `RUN`, `TIMED_OUT` or `STOPPED`; only ever rises.
    stop: AtomicU8,
    paused: AtomicBool,
    /// Wakes a job sleeping in `JobContext::sleep` or held at a checkpoint.
    wait_lock: Mutex<()>,
    wait_cv: Condvar,
    progress_bits: AtomicU32,
    progress_pending: AtomicBool,
    samples: PendingSamples,
    logs: PendingLogs,
    /// What a remote executor asked to be called on the first stop.
    on_stop: Mutex<Option<StopCallback>>,
    /// A remote run's newest placement not yet read (boxed: local jobs,
    /// the many, never have one).
    placement: Mutex<Option<Box<Placement>>>,
}

/// A poisoned lock here only means a job panicked while holding it; the data
/// is still consistent.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl JobCell {
    /// A cell for an attempt of job `id` that starts paused (or not).
    pub(crate) fn new(id: JobId, paused: bool) -> Self {
        Self::with_budget(id, paused, &PROCESS_LOG_BUDGET)
    }

    /// Like [`new`](Self::new), drawing log bytes from `budget`.
    pub(crate) fn with_budget(id: JobId, paused: bool, budget: &'static LogBudget) -> Self {
        Self {
            id,
            stop: AtomicU8::new(RUN),
            paused: AtomicBool::new(paused),
            wait_lock: Mutex::new(()),
            wait_cv: Condvar::new(),
            progress_bits: AtomicU32::new(0),
            progress_pending: AtomicBool::new(false),
            samples: PendingSamples::default(),
            logs: PendingLogs::new(budget),
            on_stop: Mutex::new(None),
            placement: Mutex::new(None),
        }
    }

    /// Makes a spare cell (one nothing else holds) new for an attempt of job
    /// `id`, keeping its buffers' memory.
    pub(crate) fn reuse(&mut self, id: JobId, paused: bool) {
        self.id = id;
        *self.stop.get_mut() = RUN;
        *self.paused.get_mut() = paused;
        *self.progress_bits.get_mut() = 0;
        *self.progress_pending.get_mut() = false;
        self.samples.clear();
        self.logs.clear();
        *self
            .on_stop
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner) = None;
        *self
            .placement
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner) = None;
    }

    // ---- stop and pause ----

    /// Asks the attempt to stop. Returns whether this changed why it stops
    /// (a first stop, or a person's stop after a timeout), and the remote
    /// executor's callback on a first stop, for the caller to run once it
    /// holds no lock.
    pub(crate) fn request_stop(&self, reason: StopReason) -> (bool, Option<StopCallback>) {
        let code = match reason {
            StopReason::TimedOut => TIMED_OUT,
            StopReason::Requested => STOPPED,
        };
        let before = self.stop.fetch_max(code, Ordering::AcqRel);
        if before >= code {
            return (false, None);
        }
        self.wake();
        let callback = if before == RUN {
            lock(&self.on_stop).take()
        } else {
            None
        };
        (true, callback)
    }

    /// Registers what to call on the first stop; calls it now if the stop
    /// was asked already.
    pub(crate) fn on_stop(&self, callback: StopCallback) {
        let mut slot = lock(&self.on_stop);
        // Read under the slot's lock, which `request_stop` takes after
        // raising the flag: either it sees the callback, or this sees the flag.
        if self.should_stop() {
            drop(slot);
            callback();
        } else {
            *slot = Some(callback);
        }
    }

    pub(crate) fn stop_reason(&self) -> Option<StopReason> {
        match self.stop.load(Ordering::Acquire) {
            TIMED_OUT => Some(StopReason::TimedOut),
            STOPPED => Some(StopReason::Requested),
            _ => None,
        }
    }

    pub(crate) fn should_stop(&self) -> bool {
        self.stop.load(Ordering::Acquire) != RUN
    }

    pub(crate) fn set_paused(&self, paused: bool) {
        self.paused.store(paused, Ordering::Release);
        self.wake();
    }

    pub(crate) fn is_paused(&self) -> bool {
        self.paused.load(Ordering::Acquire)
    }

    fn wake(&self) {
        // Taking the lock orders this wake-up after a waiter's flag check.
        let _guard = lock(&self.wait_lock);
        self.wait_cv.notify_all();
    }

    /// Blocks for `duration` (any length: one too long to count to waits
    /// until a stop), or less if a stop is requested. Returns whether the
    /// job should stop.
    pub(crate) fn sleep(&self, duration: Duration) -> bool {
        let deadline = Instant::now().checked_add(duration);
        let mut guard = lock(&self.wait_lock);
        loop {
            if self.should_stop() {
                return true;
            }
            let Some(deadline) = deadline else {
                guard = self
                    .wait_cv
                    .wait(guard)
                    .unwrap_or_else(PoisonError::into_inner);
                continue;
            };
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            guard = self
                .wait_cv
                .wait_timeout(guard, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// Blocks while the job is paused. Returns whether the job should stop.
    pub(crate) fn hold_while_paused(&self) -> bool {
        if !self.is_paused() {
            return self.should_stop();
        }
        let mut guard = lock(&self.wait_lock);
        while self.is_paused() && !self.should_stop() {
            guard = self
                .wait_cv
                .wait(guard)
                .unwrap_or_else(PoisonError::into_inner);
        }
        self.should_stop()
    }

    // ---- reports ----

    /// Stores the newest progress, and tells the consumer unless a notice is
    /// in flight. Values outside `0..=1` are clamped and NaN is ignored.
    pub(crate) fn report_progress(self: &Arc<Self>, hub: &Hub, fraction: f32) {
        if fraction.is_nan() {
            return;
        }
        let bits = fraction.clamp(0.0, 1.0).to_bits();
        self.progress_bits.store(bits, Ordering::Release);
        if !self.progress_pending.swap(true, Ordering::AcqRel) {
            hub.send(Msg::Progress(Arc::clone(self)));
        }
    }

    pub(crate) fn take_progress(&self) -> f32 {
        // The swap reads the job's latest swap, so every value stored before
        // it is visible below; a value stored after it sends a new notice.
        self.progress_pending.swap(false, Ordering::AcqRel);
        f32::from_bits(self.progress_bits.load(Ordering::Acquire))
    }

    /// Adds a plot point to `series`; see [`PendingSamples`] for the bounds.
    pub(crate) fn report_sample(self: &Arc<Self>, hub: &Hub, series: &str, point: [f64; 2]) {
        if self.samples.put(series, point) == Put::KeptFirst {
            hub.send(Msg::Samples(Arc::clone(self)));
        }
    }

    pub(crate) fn take_samples(&self) -> Vec<(Arc<str>, Vec<[f64; 2]>)> {
        self.samples.take()
    }

    /// Adds a log line; see [`PendingLogs`] for the bounds.
    pub(crate) fn report_log(self: &Arc<Self>, hub: &Hub, line: LogLine) {
        if self.logs.put(line) {
            hub.send(Msg::Logs(Arc::clone(self)));
        }
    }

    pub(crate) fn take_logs(&self) -> Option<(Vec<LogLine>, u64)> {
        self.logs.take()
    }

    /// Stores a remote run's newest placement, and tells the consumer
    /// unless a notice is in flight (the one pending is replaced).
    pub(crate) fn report_placement(self: &Arc<Self>, hub: &Hub, placement: Placement) {
        let was_empty = lock(&self.placement).replace(Box::new(placement)).is_none();
        if was_empty {
            hub.send(Msg::Placed(Arc::clone(self)));
        }
    }

    pub(crate) fn take_placement(&self) -> Option<Placement> {
        lock(&self.placement).take().map(|placement| *placement)
    }

    /// Logs, once at the end of an attempt, how many samples were dropped
    /// for naming too many series.
    pub(crate) fn report_dropped_series(self: &Arc<Self>, hub: &Hub) {
        if let Some(note) = self.samples.overflow_note() {
            self.report_log(hub, LogLine::stderr(note));
        }
    }
}
