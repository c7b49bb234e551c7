//! What a job reported that its consumer has not read yet: the newest
//! progress, plot points and log lines, each bounded so that a job reporting
//! faster than the consumer reads costs a fixed amount of memory.
//!
//! The bounds, all per job attempt unless said otherwise:
//! - progress: one value;
//! - plot series: at most [`MAX_SERIES_PER_JOB`], each holding at most
//!   [`PENDING_SAMPLES_PER_SERIES`] points of 16 bytes (512 KiB) before it is
//!   compacted to half;
//! - log lines: at most [`PENDING_LOG_BYTES_PER_JOB`] bytes, and at most
//!   [`PENDING_LOG_BYTES_PER_PROCESS`] bytes for all jobs of the process
//!   together. Past either, the oldest pending lines of the job that adds
//!   one are dropped (and counted in the next `Log` event). A redraw of a
//!   stream's unfinished line (see [`LineStatus`]) takes the place of the
//!   pending one it replaces, so a progress bar redrawn a million times
//!   while the consumer is busy costs one line, not a million.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::{LineStatus, LogLine};

/// Points a series may hold while the consumer is not reading. Past this the
/// pending points are compacted to half (keeping each run's min and max), so
/// a job sampling a million times a second costs at most this much per
/// series: 32,768 points of 16 bytes, 512 KiB.
pub const PENDING_SAMPLES_PER_SERIES: usize = 32_768;

/// Plot series a job attempt may report. Samples to further series are
/// dropped and counted; the job's log says so once, when the attempt ends.
pub const MAX_SERIES_PER_JOB: usize = 64;

/// Bytes of log lines one job attempt may hold while the consumer is not
/// reading (1 MiB: about ten thousand lines of 80 characters). A line costs
/// its text's heap bytes plus the size of a [`LogLine`]. Past this the
/// oldest pending lines are dropped and counted; a single line larger than
/// this is dropped whole.
pub const PENDING_LOG_BYTES_PER_JOB: usize = 1 << 20;

/// Bytes of log lines all jobs of the process together may hold while their
/// consumers are not reading (64 MiB). A job that adds a line past this
/// drops its own oldest pending lines, or the new line if it holds none.
pub const PENDING_LOG_BYTES_PER_PROCESS: usize = 64 << 20;

/// A byte budget shared by the jobs that draw on it.
pub(crate) struct LogBudget {
    limit: usize,
    used: AtomicUsize,
}

/// The budget every job of the process draws on.
pub(crate) static PROCESS_LOG_BUDGET: LogBudget = LogBudget::new(PENDING_LOG_BYTES_PER_PROCESS);

impl LogBudget {
    pub(crate) const fn new(limit: usize) -> Self {
        Self {
            limit,
            used: AtomicUsize::new(0),
        }
    }

    /// Takes `bytes` if they fit; returns whether they did.
    fn take(&self, bytes: usize) -> bool {
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(bytes).filter(|&after| after <= self.limit)
            })
            .is_ok()
    }

    fn give_back(&self, bytes: usize) {
        // Every job ends by giving back, mostly nothing: a write to the
        // shared counter then would only bounce its cache line between the
        // workers.
        if bytes > 0 {
            self.used.fetch_sub(bytes, Ordering::AcqRel);
        }
    }

    #[cfg(test)]
    pub(crate) fn used(&self) -> usize {
        self.used.load(Ordering::Acquire)
    }
}

/// What a line costs against the byte bounds.
fn line_cost(line: &LogLine) -> usize {
    line.heap_bytes() + std::mem::size_of::<LogLine>()
}

/// A poisoned buffer only means a job panicked mid-push; the data is still
/// usable, and the panic itself is reported as the job's failure.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// How far back from the newest pending line a redraw looks for the
/// unfinished line it replaces: the reader sends at most one redraw per
/// stream per read, so the line it replaces is among the last few.
const REDRAW_LOOKBACK: usize = 8;

/// Pending log lines of one job attempt.
pub(crate) struct PendingLogs {
    inner: Mutex<Logs>,
    budget: &'static LogBudget,
}

#[derive(Default)]
struct Logs {
    lines: VecDeque<LogLine>,
    bytes: usize,
    dropped: u64,
}

impl PendingLogs {
    pub(crate) fn new(budget: &'static LogBudget) -> Self {
        Self {
            inner: Mutex::new(Logs::default()),
            budget,
        }
    }

    /// Adds a line; returns whether a notice must be sent (nothing was
    /// pending, so none is in flight).
    pub(crate) fn put(&self, line: LogLine) -> bool {
        let mut logs = lock(&self.inner);
        let was_empty = logs.lines.is_empty() && logs.dropped == 0;
        if line.redraws_its_stream() {
            self.forget_replaced(&mut logs, &line);
        }
        let cost = line_cost(&line);
        if cost > PENDING_LOG_BYTES_PER_JOB {
            logs.dropped += 1;
            return was_empty;
        }
        while logs.bytes + cost > PENDING_LOG_BYTES_PER_JOB {
            self.drop_oldest(&mut logs);
        }
        while !self.budget.take(cost) {
            if logs.lines.is_empty() {
                logs.dropped += 1;
                return was_empty;
            }
            self.drop_oldest(&mut logs);
        }
        logs.bytes += cost;
        logs.lines.push_back(line);
        was_empty
    }

    /// Removes the pending unfinished line that `line` replaces, if it is
    /// among the last [`REDRAW_LOOKBACK`]: its news is out of date. It is
    /// not counted as dropped.
    fn forget_replaced(&self, logs: &mut Logs, line: &LogLine) {
        let replaced = logs
            .lines
            .iter()
            .enumerate()
            .rev()
            .take(REDRAW_LOOKBACK)
            .find(|(_, old)| old.stream == line.stream && old.redraws_its_stream())
            .filter(|(_, old)| old.status == LineStatus::Unfinished)
            .map(|(index, _)| index);
        if let Some(old) = replaced.and_then(|index| logs.lines.remove(index)) {
            let cost = line_cost(&old);
            logs.bytes -= cost;
            self.budget.give_back(cost);
        }
    }

    fn drop_oldest(&self, logs: &mut Logs) {
        if let Some(old) = logs.lines.pop_front() {
            let cost = line_cost(&old);
            logs.bytes -= cost;
            self.budget.give_back(cost);
            logs.dropped += 1;
        }
    }

    /// The pending lines and how many were dropped before them, if any.
    pub(crate) fn take(&self) -> Option<(Vec<LogLine>, u64)> {
        let mut logs = lock(&self.inner);
        if logs.lines.is_empty() && logs.dropped == 0 {
            return None;
        }
        self.budget.give_back(std::mem::take(&mut logs.bytes));
        let dropped = std::mem::take(&mut logs.dropped);
        Some((logs.lines.drain(..).collect(), dropped))
    }

    /// Empties the buffer for reuse, keeping its memory.
    pub(crate) fn clear(&mut self) {
        let logs = self.inner.get_mut().unwrap_or_else(PoisonError::into_inner);
        if logs.lines.is_empty() && logs.dropped == 0 {
            // Nothing pending, so no bytes drawn either.
            return;
        }
        self.budget.give_back(std::mem::take(&mut logs.bytes));
        logs.lines.clear();
        logs.dropped = 0;
    }
}

impl Drop for PendingLogs {
    /// Lines nobody read still give their bytes back to the process.
    fn drop(&mut self) {
        self.clear();
    }
}

/// What [`PendingSamples::put`] did with a point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Put {
    /// Kept; a notice must be sent (nothing was pending).
    KeptFirst,
    /// Kept; a notice is in flight already.
    Kept,
    /// Dropped: the job has [`MAX_SERIES_PER_JOB`] series already.
    Dropped,
}

/// Pending plot points of one job attempt, by series.
#[derive(Default)]
pub(crate) struct PendingSamples {
    inner: Mutex<Samples>,
    /// Whether a sample was ever dropped for naming a series past the bound,
    /// so that the end of an attempt that dropped none (nearly all) need not
    /// take the lock to find out.
    overflowed: AtomicBool,
}

#[derive(Default)]
struct Samples {
    /// In the order the series first appeared.
    series: Vec<(Arc<str>, Vec<[f64; 2]>)>,
    /// Each series' place in `series`, by name.
    index: HashMap<Arc<str>, usize>,
    /// The series sampled last, looked at before the index: most jobs
    /// sample one series at a time.
    last: usize,
    total: usize,
    /// Samples dropped because they named a series past the bound.
    dropped: u64,
    dropped_series: Vec<Arc<str>>,
}

impl PendingSamples {
    pub(crate) fn put(&self, series: &str, point: [f64; 2]) -> Put {
        let mut pending = lock(&self.inner);
        let samples = &mut *pending;
        let was_empty = samples.total == 0;
        let at = if samples
            .series
            .get(samples.last)
            .is_some_and(|(name, _)| &**name == series)
        {
            samples.last
        } else if let Some(&at) = samples.index.get(series) {
            at
        } else if samples.series.len() < MAX_SERIES_PER_JOB {
            let name: Arc<str> = Arc::from(series);
            samples
                .index
                .insert(Arc::clone(&name), samples.series.len());
            samples.series.push((name, Vec::new()));
            samples.series.len() - 1
        } else {
            samples.dropped += 1;
            self.overflowed.store(true, Ordering::Release);
            if samples.dropped_series.len() < 3
                && !samples.dropped_series.iter().any(|name| &**name == series)
            {
                samples.dropped_series.push(Arc::from(series));
            }
            return Put::Dropped;
        };
        samples.last = at;
        let points = &mut samples.series[at].1;
        points.push(point);
        let before = points.len();
        if before >= PENDING_SAMPLES_PER_SERIES {
            compact_min_max(points);
        }
        let removed = before - points.len();
        samples.total = samples.total + 1 - removed;
        if was_empty { Put::KeptFirst } else { Put::Kept }
    }

    pub(crate) fn take(&self) -> Vec<(Arc<str>, Vec<[f64; 2]>)> {
        let mut pending = lock(&self.inner);
        pending.total = 0;
        pending
            .series
            .iter_mut()
            .filter(|(_, points)| !points.is_empty())
            .map(|(name, points)| (Arc::clone(name), std::mem::take(points)))
            .collect()
    }

    /// The line the job's log gets when samples were dropped for naming too
    /// many series, once per attempt.
    pub(crate) fn overflow_note(&self) -> Option<String> {
        // Read once the attempt is over: whoever reported what it dropped
        // has handed the attempt back to the caller since.
        if !self.overflowed.load(Ordering::Acquire) {
            return None;
        }
        let pending = lock(&self.inner);
        if pending.dropped == 0 {
            return None;
        }
        let names = pending
            .dropped_series
            .iter()
            .map(|name| format!("'{name}'"))
            .collect::<Vec<_>>()
            .join(", ");
        Some(format!(
            "jobdeck: {} samples dropped: a job may plot at most {MAX_SERIES_PER_JOB} series \
             (dropped series include {names})",
            pending.dropped
        ))
    }

    /// Empties the buffers for reuse, keeping the series' memory.
    pub(crate) fn clear(&mut self) {
        *self.overflowed.get_mut() = false;
        let samples = self.inner.get_mut().unwrap_or_else(PoisonError::into_inner);
        if samples.series.is_empty() && samples.dropped == 0 {
            // Never used: nothing to clear.
            return;
        }
        samples.series.clear();
        samples.index.clear();
        samples.last = 0;
        samples.total = 0;
        samples.dropped = 0;
        samples.dropped_series.clear();
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
mod tests;
