//! The state one job shares between its worker, the pool and the consumer:
//! stop and pause flags, and the pending progress, samples and log lines that
//! wait for the consumer.

use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use crossbeam_channel::Sender;

use super::event::Msg;
use super::{JobId, LogLine};

/// Samples a series may hold while the consumer is not reading. Past this the
/// pending points are compacted to half (keeping each run's min and max), so a
/// job sampling a million times a second costs at most this much per series.
pub const PENDING_SAMPLES_PER_SERIES: usize = 32_768;

/// Log lines a job may hold while the consumer is not reading. Past this the
/// oldest pending lines are dropped and counted.
pub const PENDING_LOG_LINES: usize = 10_000;

/// Called after a message is queued, so the consumer can wake up (the window
/// passes its repaint request here), with what the message is about.
pub type Waker = Arc<dyn Fn(Wake) + Send + Sync>;

/// What a message that wakes the consumer is about, so that it can pace
/// itself: the window shows a change of state at once, and coalesces
/// progress into a few frames a second.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wake {
    /// Progress, plot samples or log lines wait to be read.
    Update,
    /// A job started, ended, is retrying or was asked to stop.
    Change,
}

/// The sending side shared by the pool and every job context.
pub(crate) struct Hub {
    tx: Sender<Msg>,
    waker: OnceLock<Waker>,
}

impl Hub {
    pub(crate) fn new(tx: Sender<Msg>) -> Self {
        Self {
            tx,
            waker: OnceLock::new(),
        }
    }

    pub(crate) fn set_waker(&self, waker: Waker) -> bool {
        self.waker.set(waker).is_ok()
    }

    /// Queues `msg`. The channel is unbounded and never blocks; what bounds it
    /// is that progress, samples and logs only ever have one notice in flight.
    pub(crate) fn send(&self, msg: Msg) {
        // The receiver lives in the pool's consumer; if it is gone there is
        // nobody left to tell, which is not the job's problem.
        let wake = match msg {
            Msg::Progress(_) | Msg::Samples(_) | Msg::Logs(_) => Wake::Update,
            Msg::Event(_) | Msg::Handover { .. } => Wake::Change,
        };
        let _ = self.tx.send(msg);
        if let Some(waker) = self.waker.get() {
            waker(wake);
        }
    }
}

const UNANNOUNCED: u8 = 0;
const ANNOUNCED: u8 = 1;
/// A stop was asked before the start went out: its event waits for it.
const STOP_HELD: u8 = 2;

const RUN: u8 = 0;
const STOP: u8 = 1;
const TIMEOUT: u8 = 2;

/// Why a job was asked to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StopReason {
    Requested,
    TimedOut,
}

#[derive(Default)]
struct PendingSamples {
    series: Vec<(Arc<str>, Vec<[f64; 2]>)>,
    total: usize,
}

#[derive(Default)]
struct PendingLogs {
    lines: std::collections::VecDeque<LogLine>,
    dropped: u64,
}

pub(crate) struct JobCell {
    pub(crate) id: JobId,
    stop: AtomicU8,
    /// Whether the job's start went out; see [`mark_announced`](Self::mark_announced).
    announced: AtomicU8,
    paused: AtomicBool,
    /// The worker running the job, `usize::MAX` before it first starts.
    worker: AtomicUsize,
    /// Wakes a job sleeping in `JobContext::sleep` or held at a checkpoint.
    wait_lock: Mutex<()>,
    wait_cv: Condvar,
    progress_bits: AtomicU32,
    progress_pending: AtomicBool,
    samples: Mutex<PendingSamples>,
    logs: Mutex<PendingLogs>,
}

/// A poisoned buffer only means a job panicked mid-push; the data is still
/// usable, and the panic itself is reported as the job's failure.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl JobCell {
    #[cfg(test)]
    pub(crate) fn new(id: JobId) -> Self {
        Self::starting(id, false)
    }

    /// A cell for a job that starts paused (or not).
    pub(crate) fn starting(id: JobId, paused: bool) -> Self {
        Self {
            id,
            stop: AtomicU8::new(RUN),
            announced: AtomicU8::new(UNANNOUNCED),
            paused: AtomicBool::new(paused),
            worker: AtomicUsize::new(usize::MAX),
            wait_lock: Mutex::new(()),
            wait_cv: Condvar::new(),
            progress_bits: AtomicU32::new(0),
            progress_pending: AtomicBool::new(false),
            samples: Mutex::new(PendingSamples::default()),
            logs: Mutex::new(PendingLogs::default()),
        }
    }

    pub(crate) fn set_worker(&self, worker: usize) {
        self.worker.store(worker, Ordering::Release);
    }

    pub(crate) fn worker(&self) -> usize {
        self.worker.load(Ordering::Acquire)
    }

    // ---- stop and pause ----

    /// Sets the stop flag; the first reason given wins.
    pub(crate) fn request_stop(&self, reason: StopReason) -> bool {
        let code = match reason {
            StopReason::Requested => STOP,
            StopReason::TimedOut => TIMEOUT,
        };
        let first = self
            .stop
            .compare_exchange(RUN, code, Ordering::AcqRel, Ordering::Acquire)
            .is_ok();
        self.wake();
        first
    }

    /// Makes a spare cell (one nothing else holds) new for job `id`,
    /// keeping its buffers' memory.
    pub(crate) fn reuse(&mut self, id: JobId, paused: bool) {
        self.id = id;
        *self.stop.get_mut() = RUN;
        *self.announced.get_mut() = UNANNOUNCED;
        *self.paused.get_mut() = paused;
        *self.worker.get_mut() = usize::MAX;
        *self.progress_bits.get_mut() = 0;
        *self.progress_pending.get_mut() = false;
        let samples = self
            .samples
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        samples.series.clear();
        samples.total = 0;
        let logs = self.logs.get_mut().unwrap_or_else(PoisonError::into_inner);
        logs.lines.clear();
        logs.dropped = 0;
    }

    /// A new attempt is about to start: its start is not out yet.
    pub(crate) fn start_unannounced(&self) {
        self.announced.store(UNANNOUNCED, Ordering::Release);
    }

    /// Records that the start event was sent; returns the stop to report
    /// now if one was asked before that.
    pub(crate) fn mark_announced(&self) -> Option<StopReason> {
        if self.announced.swap(ANNOUNCED, Ordering::AcqRel) == STOP_HELD {
            self.stop_reason()
        } else {
            None
        }
    }

    /// Called once a stop was set: whether its event may be sent now, or
    /// waits for the start to be sent first (which then sends it).
    pub(crate) fn stop_event_now(&self) -> bool {
        self.announced
            .compare_exchange(UNANNOUNCED, STOP_HELD, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
    }

    pub(crate) fn stop_reason(&self) -> Option<StopReason> {
        match self.stop.load(Ordering::Acquire) {
            STOP => Some(StopReason::Requested),
            TIMEOUT => Some(StopReason::TimedOut),
            _ => None,
        }
    }

    /// Clears a timeout before a retry; a person's stop is never cleared.
    pub(crate) fn clear_timeout(&self) {
        let _ = self
            .stop
            .compare_exchange(TIMEOUT, RUN, Ordering::AcqRel, Ordering::Acquire);
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

    /// Blocks for `duration`, or less if a stop is requested. Returns whether
    /// the job should stop.
    pub(crate) fn sleep(&self, duration: Duration) -> bool {
        let deadline = std::time::Instant::now() + duration;
        let mut guard = lock(&self.wait_lock);
        loop {
            if self.should_stop() {
                return true;
            }
            let now = std::time::Instant::now();
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

    // ---- progress ----

    /// Stores the newest progress; returns whether a notice must be sent
    /// (none is in flight).
    pub(crate) fn put_progress(&self, fraction: f32) -> bool {
        self.progress_bits
            .store(fraction.to_bits(), Ordering::Release);
        !self.progress_pending.swap(true, Ordering::AcqRel)
    }

    pub(crate) fn take_progress(&self) -> f32 {
        // The swap reads the job's latest swap, so every value stored before
        // it is visible below; a value stored after it sends a new notice.
        self.progress_pending.swap(false, Ordering::AcqRel);
        f32::from_bits(self.progress_bits.load(Ordering::Acquire))
    }

    // ---- samples ----

    /// Adds a point; returns whether a notice must be sent (the buffer was
    /// empty, so none is in flight).
    pub(crate) fn put_sample(&self, series: &str, point: [f64; 2]) -> bool {
        let mut pending = lock(&self.samples);
        let was_empty = pending.total == 0;
        let known = pending
            .series
            .iter()
            .position(|(name, _)| &**name == series);
        let index = known.unwrap_or_else(|| {
            pending.series.push((Arc::from(series), Vec::new()));
            pending.series.len() - 1
        });
        let points = &mut pending.series[index].1;
        points.push(point);
        let mut total_change = 1;
        if points.len() >= PENDING_SAMPLES_PER_SERIES {
            let before = points.len();
            compact_min_max(points);
            total_change -= isize::try_from(before - points.len()).unwrap_or(0);
        }
        pending.total = pending.total.saturating_add_signed(total_change);
        was_empty
    }

    pub(crate) fn take_samples(&self) -> Vec<(Arc<str>, Vec<[f64; 2]>)> {
        let mut pending = lock(&self.samples);
        pending.total = 0;
        pending
            .series
            .iter_mut()
            .filter(|(_, points)| !points.is_empty())
            .map(|(name, points)| (Arc::clone(name), std::mem::take(points)))
            .collect()
    }

    // ---- logs ----

    /// Adds a line; returns whether a notice must be sent.
    pub(crate) fn put_log(&self, line: LogLine) -> bool {
        let mut pending = lock(&self.logs);
        let was_empty = pending.lines.is_empty() && pending.dropped == 0;
        if pending.lines.len() >= PENDING_LOG_LINES {
            pending.lines.pop_front();
            pending.dropped += 1;
        }
        pending.lines.push_back(line);
        was_empty
    }

    pub(crate) fn take_logs(&self) -> Option<(Vec<LogLine>, u64)> {
        let mut pending = lock(&self.logs);
        if pending.lines.is_empty() && pending.dropped == 0 {
            return None;
        }
        let dropped = std::mem::take(&mut pending.dropped);
        Some((pending.lines.drain(..).collect(), dropped))
    }
}

/// Halves `points` keeping, of every four, the lowest and the highest (in x
/// order), so peaks and troughs survive compaction.
pub(crate) fn compact_min_max(points: &mut Vec<[f64; 2]>) {
    let mut kept = 0;
    let mut start = 0;
    while start < points.len() {
        let end = (start + 4).min(points.len());
        let chunk = &points[start..end];
        if chunk.len() <= 2 {
            for i in start..end {
                points[kept] = points[i];
                kept += 1;
            }
        } else {
            let (mut lo, mut hi) = (0, 0);
            for (i, p) in chunk.iter().enumerate() {
                if p[1] < chunk[lo][1] {
                    lo = i;
                }
                if p[1] > chunk[hi][1] {
                    hi = i;
                }
            }
            let (first, second) = if lo <= hi { (lo, hi) } else { (hi, lo) };
            let (a, b) = (chunk[first], chunk[second]);
            points[kept] = a;
            kept += 1;
            if second != first {
                points[kept] = b;
                kept += 1;
            }
        }
        start = end;
    }
    points.truncate(kept);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compaction_halves_and_keeps_extremes() {
        let mut points: Vec<[f64; 2]> = (0..1000)
            .map(|i| {
                [
                    f64::from(i),
                    if i == 333 {
                        99.0
                    } else if i == 777 {
                        -99.0
                    } else {
                        0.0
                    },
                ]
            })
            .collect();
        compact_min_max(&mut points);
        assert!(points.len() <= 500, "{} points left", points.len());
        assert!(points.iter().any(|p| p[1] > 98.0));
        assert!(points.iter().any(|p| p[1] < -98.0));
        assert!(points.windows(2).all(|w| w[0][0] < w[1][0]), "x order kept");
    }

    #[test]
    fn pending_samples_stay_bounded() {
        let cell = JobCell::new(JobId::new());
        for i in 0..1_000_000 {
            cell.put_sample("s", [f64::from(i), 0.0]);
        }
        let taken = cell.take_samples();
        assert_eq!(taken.len(), 1);
        assert!(taken[0].1.len() < PENDING_SAMPLES_PER_SERIES);
    }

    #[test]
    fn pending_logs_drop_oldest_and_count() {
        let cell = JobCell::new(JobId::new());
        for i in 0..PENDING_LOG_LINES + 5 {
            cell.put_log(format!("line {i}").into());
        }
        let (lines, dropped) = cell.take_logs().expect("lines are pending");
        assert_eq!(dropped, 5);
        assert_eq!(lines.len(), PENDING_LOG_LINES);
        assert_eq!(lines[0].text, "line 5");
        assert!(cell.take_logs().is_none());
    }
}
