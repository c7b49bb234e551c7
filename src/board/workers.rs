//! What each worker thread ran, as a timeline: one lane per worker, one span
//! per attempt (like Dask's task stream), kept after the job ends and after
//! its row is removed.
//!
//! Bounded: a lane keeps its newest [`SPANS_KEPT_PER_WORKER`] spans (about
//! 80 bytes each: 64 workers keep at most about 2.6 MB), and every query
//! walks back from the newest span only as far as the time asked about.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

use crate::engine::JobId;
use crate::jobspec::JobSpec;

use super::StateClass;

/// Spans kept per worker; older ones are dropped.
pub const SPANS_KEPT_PER_WORKER: usize = 512;

/// One attempt of one job on one worker.
#[derive(Clone, Debug)]
pub struct Span {
    /// The job.
    pub job: JobId,
    /// Its spec (for its name, even once its row is removed).
    pub spec: Arc<JobSpec>,
    /// Which attempt this was (1 for the first run).
    pub attempt: u32,
    /// When the worker took it.
    pub start: Instant,
    /// When it ended and how: `Failed` for an attempt that failed and was
    /// retried. `None` while it runs.
    pub end: Option<(Instant, StateClass)>,
}

impl Span {
    /// When it ended, or `now` while it runs.
    #[must_use]
    pub fn end_or(&self, now: Instant) -> Instant {
        self.end.map_or(now, |(at, _)| at)
    }

    /// How it ended, or `Running`.
    #[must_use]
    pub fn class(&self) -> StateClass {
        self.end.map_or(StateClass::Running, |(_, class)| class)
    }
}

/// One worker's timeline, oldest span first.
#[derive(Clone, Debug, Default)]
pub struct Lane {
    spans: VecDeque<Span>,
}

impl Lane {
    /// Every kept span, oldest first.
    pub fn spans(&self) -> impl ExactSizeIterator<Item = &Span> + DoubleEndedIterator {
        self.spans.iter()
    }

    /// The spans that overlap `from..=now`, oldest first. A worker runs one
    /// job at a time, so its spans end in order and the walk back stops at
    /// the first that ended before `from`.
    pub fn spans_since(&self, from: Instant, now: Instant) -> impl Iterator<Item = &Span> {
        let older = self
            .spans
            .iter()
            .rev()
            .take_while(|span| span.end_or(now) >= from)
            .count();
        self.spans.range(self.spans.len() - older..)
    }

    /// What the worker runs now.
    #[must_use]
    pub fn current(&self) -> Option<&Span> {
        self.spans.back().filter(|span| span.end.is_none())
    }

    /// The fraction of `from..now` the worker was busy, in each of
    /// `buckets` equal slices of it (oldest first).
    #[must_use]
    pub fn busy_fractions(&self, from: Instant, now: Instant, buckets: usize) -> Vec<f32> {
        let mut busy = vec![0.0_f64; buckets];
        let total = now.saturating_duration_since(from).as_secs_f64();
        if total <= 0.0 || buckets == 0 {
            return vec![0.0; buckets];
        }
        let width = total / buckets as f64;
        for span in self.spans_since(from, now) {
            let start = span.start.saturating_duration_since(from).as_secs_f64();
            let end = span
                .end_or(now)
                .saturating_duration_since(from)
                .as_secs_f64();
            // Only the buckets the span covers: bucket indices are small
            // non-negative numbers, so the casts are exact enough.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let first = (start / width).floor() as usize;
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let last = ((end / width).ceil() as usize).min(buckets);
            for (i, slot) in busy.iter_mut().enumerate().take(last).skip(first) {
                let (b0, b1) = (i as f64 * width, (i + 1) as f64 * width);
                let overlap = end.min(b1) - start.max(b0);
                if overlap > 0.0 {
                    *slot += overlap;
                }
            }
        }
        // Fractions in 0..=1: the narrowing loses nothing visible.
        #[allow(clippy::cast_possible_truncation)]
        busy.into_iter()
            .map(|secs| (secs / width).clamp(0.0, 1.0) as f32)
            .collect()
    }

    /// The fraction of `from..now` the worker was busy.
    #[must_use]
    pub fn utilisation(&self, from: Instant, now: Instant) -> f32 {
        self.busy_fractions(from, now, 1)[0]
    }
}

/// Every worker's lane, by worker number.
#[derive(Clone, Debug, Default)]
pub struct Workers {
    lanes: Vec<Lane>,
}

impl Workers {
    /// The lanes, by worker number (as many as the highest worker seen + 1).
    #[must_use]
    pub fn lanes(&self) -> &[Lane] {
        &self.lanes
    }

    /// `worker` took an attempt of `job`.
    pub(crate) fn started(
        &mut self,
        worker: usize,
        job: JobId,
        spec: &Arc<JobSpec>,
        attempt: u32,
        now: Instant,
    ) {
        if self.lanes.len() <= worker {
            self.lanes.resize_with(worker + 1, Lane::default);
        }
        let lane = &mut self.lanes[worker];
        // A worker runs one job at a time: an open span here ended unseen.
        if let Some(open) = lane.spans.back_mut().filter(|span| span.end.is_none()) {
            open.end = Some((now, StateClass::Stopped));
        }
        if lane.spans.len() == SPANS_KEPT_PER_WORKER {
            lane.spans.pop_front();
        }
        lane.spans.push_back(Span {
            job,
            spec: Arc::clone(spec),
            attempt,
            start: now,
            end: None,
        });
    }

    /// `job`'s attempt on `worker` ended as `class`.
    pub(crate) fn ended(&mut self, worker: usize, job: JobId, class: StateClass, now: Instant) {
        let open = self
            .lanes
            .get_mut(worker)
            .and_then(|lane| lane.spans.back_mut())
            .filter(|span| span.job == job && span.end.is_none());
        if let Some(span) = open {
            span.end = Some((now, class));
        }
    }
}
