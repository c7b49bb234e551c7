//! The built-in demo jobs: the seed workloads, so the app does something real
//! on first launch with no files.

use std::hint::black_box;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::engine::{Job, JobContext, JobError, JobResult, Output};

/// The demo kinds, for choosers and job files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DemoKind {
    /// See [`Steps`].
    Steps,
    /// See [`RandomWalk`].
    RandomWalk,
    /// See [`FlakyDivision`].
    FlakyDivision,
    /// See [`SumRange`].
    SumRange,
}

impl DemoKind {
    /// Every kind, in menu order.
    pub const ALL: [Self; 4] = [
        Self::Steps,
        Self::RandomWalk,
        Self::FlakyDivision,
        Self::SumRange,
    ];

    /// The name used in job files (`kind = "random_walk"`).
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            Self::Steps => "steps",
            Self::RandomWalk => "random_walk",
            Self::FlakyDivision => "flaky_division",
            Self::SumRange => "sum_range",
        }
    }

    /// The name shown to people.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Steps => "Steps",
            Self::RandomWalk => "Random walk",
            Self::FlakyDivision => "Flaky division",
            Self::SumRange => "Sum range",
        }
    }

    /// The kind whose [`key`](Self::key) is `key`.
    #[must_use]
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.key() == key)
    }
}

/// N steps of a fixed delay, with progress after each (the progress watcher).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Steps {
    /// How many steps.
    pub steps: u32,
    /// The delay of each step.
    pub delay_ms: u64,
}

impl Default for Steps {
    fn default() -> Self {
        Self {
            steps: 50,
            delay_ms: 100,
        }
    }
}

impl Job for Steps {
    fn run(&mut self, ctx: &JobContext) -> JobResult {
        let steps = self.steps.max(1);
        for step in 1..=steps {
            ctx.checkpoint()?;
            ctx.sleep(Duration::from_millis(self.delay_ms))?;
            ctx.progress(step as f32 / steps as f32);
        }
        Ok(Output::text(format!("{steps} steps done")))
    }
}

/// A random walk sampled at a per-job random rate (the live plot).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RandomWalk {
    /// How many points to emit.
    pub points: u32,
    /// The slowest rate a job may pick, in points per second.
    pub min_rate_hz: f64,
    /// The fastest rate a job may pick, in points per second.
    pub max_rate_hz: f64,
    /// Seed for the rate and the steps; random when `None`.
    pub seed: Option<u64>,
}

impl Default for RandomWalk {
    fn default() -> Self {
        Self {
            points: 300,
            min_rate_hz: 10.0,
            max_rate_hz: 60.0,
            seed: None,
        }
    }
}

impl Job for RandomWalk {
    fn run(&mut self, ctx: &JobContext) -> JobResult {
        let mut rng = self
            .seed
            .map_or_else(fastrand::Rng::new, fastrand::Rng::with_seed);
        let (low, high) = ordered(self.min_rate_hz, self.max_rate_hz);
        let rate_hz = (low + rng.f64() * (high - low)).max(0.001);
        ctx.log(format!("sampling at {rate_hz:.1} points/s"));
        let period = Duration::from_secs_f64(1.0 / rate_hz);
        let points = self.points.max(1);
        let mut value = 0.0;
        for i in 0..points {
            ctx.checkpoint()?;
            value += rng.f64() * 2.0 - 1.0;
            ctx.sample("walk", f64::from(i), value);
            ctx.progress((i + 1) as f32 / points as f32);
            ctx.sleep(period)?;
        }
        Ok(Output::text(format!("ended at {value:.3}")))
    }
}

/// Computes `2 / (30 - n)` for a random number of steps, failing when `n`
/// reaches 30 (the error signal).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FlakyDivision {
    /// The fewest steps a job may pick.
    pub min_steps: u32,
    /// The most steps a job may pick; above 30 the job fails.
    pub max_steps: u32,
    /// The delay of each step.
    pub delay_ms: u64,
    /// Seed for the number of steps; random when `None`.
    pub seed: Option<u64>,
}

impl Default for FlakyDivision {
    fn default() -> Self {
        Self {
            min_steps: 10,
            max_steps: 40,
            delay_ms: 50,
            seed: None,
        }
    }
}

impl Job for FlakyDivision {
    fn run(&mut self, ctx: &JobContext) -> JobResult {
        let mut rng = self
            .seed
            .map_or_else(fastrand::Rng::new, fastrand::Rng::with_seed);
        let (low, high) = ordered(self.min_steps, self.max_steps);
        let steps = rng.u32(low..=high).max(1);
        ctx.log(format!("dividing for {steps} steps"));
        let mut total = 0.0;
        for n in 0..steps {
            ctx.checkpoint()?;
            ctx.sleep(Duration::from_millis(self.delay_ms))?;
            let divisor = 30 - i64::from(n);
            if divisor == 0 {
                return Err(JobError::msg(format!(
                    "division by zero at step {n}: 2 / (30 - {n})"
                )));
            }
            let quotient = 2.0 / divisor as f64;
            total += quotient;
            ctx.sample("quotient", f64::from(n), quotient);
            ctx.progress((n + 1) as f32 / steps as f32);
        }
        Ok(Output::text(format!("sum of quotients = {total:.4}")))
    }
}

/// Sums `0..end` in chunks, with progress per chunk (the CPU-bound job).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SumRange {
    /// The exclusive end of the range.
    pub end: u64,
    /// How many chunks to split it into.
    pub chunks: u32,
}

impl Default for SumRange {
    fn default() -> Self {
        Self {
            end: 300_000_000,
            chunks: 100,
        }
    }
}

impl Job for SumRange {
    fn run(&mut self, ctx: &JobContext) -> JobResult {
        let chunks = u64::from(self.chunks.max(1));
        let chunk_len = self.end.div_ceil(chunks).max(1);
        let mut sum: u128 = 0;
        let mut start = 0;
        let mut done = 0;
        while start < self.end {
            let end = start.saturating_add(chunk_len).min(self.end);
            sum += sum_chunk(ctx, start, end)?;
            start = end;
            done += 1;
            ctx.progress(done as f32 / chunks as f32);
        }
        Ok(Output::text(format!("sum = {sum}")))
    }
}

/// How many numbers [`sum_chunk`] adds between looks at the job's flags:
/// about a millisecond of work, so a stop or pause is seen within one even
/// when a chunk is the whole of a huge range, while the flag (one atomic
/// load or two) costs nothing next to the additions.
const SUM_BLOCK: u64 = 1 << 20;

/// Sums `start..end`, waiting while paused and returning early on a stop.
fn sum_chunk(ctx: &JobContext, start: u64, end: u64) -> Result<u128, JobError> {
    let mut sum = 0;
    let mut block_start = start;
    while block_start < end {
        ctx.checkpoint()?;
        let block_end = block_start.saturating_add(SUM_BLOCK).min(end);
        // black_box keeps the loop a loop: the point is to use the CPU.
        sum += (block_start..block_end)
            .map(|i| u128::from(black_box(i)))
            .sum::<u128>();
        block_start = block_end;
    }
    Ok(sum)
}

/// Any one demo job, as chosen in the toolbar or a job file.
#[derive(Clone, Debug, PartialEq)]
pub enum DemoJob {
    /// See [`Steps`].
    Steps(Steps),
    /// See [`RandomWalk`].
    RandomWalk(RandomWalk),
    /// See [`FlakyDivision`].
    FlakyDivision(FlakyDivision),
    /// See [`SumRange`].
    SumRange(SumRange),
}

impl DemoJob {
    /// The kind with its default parameters.
    #[must_use]
    pub fn default_for(kind: DemoKind) -> Self {
        match kind {
            DemoKind::Steps => Self::Steps(Steps::default()),
            DemoKind::RandomWalk => Self::RandomWalk(RandomWalk::default()),
            DemoKind::FlakyDivision => Self::FlakyDivision(FlakyDivision::default()),
            DemoKind::SumRange => Self::SumRange(SumRange::default()),
        }
    }

    /// Which kind this is.
    #[must_use]
    pub fn kind(&self) -> DemoKind {
        match self {
            Self::Steps(_) => DemoKind::Steps,
            Self::RandomWalk(_) => DemoKind::RandomWalk,
            Self::FlakyDivision(_) => DemoKind::FlakyDivision,
            Self::SumRange(_) => DemoKind::SumRange,
        }
    }
}

impl Job for DemoJob {
    fn run(&mut self, ctx: &JobContext) -> JobResult {
        match self {
            Self::Steps(job) => job.run(ctx),
            Self::RandomWalk(job) => job.run(ctx),
            Self::FlakyDivision(job) => job.run(ctx),
            Self::SumRange(job) => job.run(ctx),
        }
    }
}

fn ordered<T: PartialOrd>(a: T, b: T) -> (T, T) {
    if a <= b { (a, b) } else { (b, a) }
}

#[cfg(test)]
mod tests {
    use std::mem::ManuallyDrop;
    use std::time::Duration;

    use super::*;
    use crate::engine::{EventKind, NewJob, Outcome, Pool};

    #[test]
    fn a_single_huge_chunk_still_stops() {
        let (pool, mut events) = Pool::new(1).unwrap();
        // If the stop is never seen, dropping the pool would join a worker
        // that sums forever: leak it instead, so the test fails, not hangs.
        let pool = ManuallyDrop::new(pool);
        let job = SumRange {
            end: u64::MAX,
            chunks: 1,
        };
        let id = pool.submit(NewJob::new(job)).unwrap();
        let mut started = false;
        while !started {
            let event = events.recv_timeout(Duration::from_secs(20)).unwrap();
            started = matches!(event.kind, EventKind::Started { .. });
        }
        assert!(pool.stop(id), "the job was running");
        loop {
            let event = events
                .recv_timeout(Duration::from_secs(20))
                .expect("the sum should stop within its chunk");
            if let EventKind::Finished(outcome) = event.kind {
                assert_eq!(outcome, Outcome::Stopped);
                break;
            }
        }
        ManuallyDrop::into_inner(pool).shutdown();
    }
}
