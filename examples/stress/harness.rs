//! One randomized round of the engine stress test, shared by
//! `examples/stress.rs` (long runs) and `tests/engine/stress.rs` (a short
//! run inside `cargo test`).
//!
//! A round submits jobs with random priorities, ids, dependencies, retries,
//! timeouts, failures and panics, local and remote, in batches and alone,
//! while it stops, cancels, pauses, resumes, re-prioritises and (in rounds
//! without a fixed cap) resizes the pool, with a consumer that is sometimes
//! slow. Then it checks what the consumer saw:
//! - exactly one `Finished` per job, and nothing of a job after it;
//! - no job started before each of its dependencies finished as succeeded;
//! - in fixed-cap rounds, never more jobs running than the cap (counted
//!   from the events, and by the jobs themselves);
//! - the pool's counts back at zero;
//! - all of it before a deadline (no hang).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, unbounded};
use jobdeck::engine::{
    Event, EventKind, JobContext, JobError, JobId, JobResult, NewJob, Outcome, OutcomeKind, Output,
    Pool, PoolCounts, RemoteHandle, RemoteJob,
};

/// What a round saw, for the summary.
#[derive(Debug, Default)]
pub struct RoundReport {
    pub jobs: usize,
    pub events: usize,
    pub fixed_cap: Option<usize>,
    pub peak_running: usize,
    pub outcomes: HashMap<OutcomeKind, usize>,
}

/// Jobs running right now, counted by the jobs themselves, and the most
/// seen at once.
#[derive(Default)]
struct Running {
    now: AtomicUsize,
    peak: AtomicUsize,
}

impl Running {
    fn enter(&self) {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
    }

    fn leave(&self) {
        self.now.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A remote job of the round: the fake executor ends it after `work`, or
/// when stopped.
struct FakeRemote {
    executor: Sender<(RemoteHandle, Duration, bool)>,
    work: Duration,
    fails: bool,
    running: Arc<Running>,
}

impl RemoteJob for FakeRemote {
    fn start(&self, handle: RemoteHandle) {
        self.running.enter();
        let _ = self.executor.send((handle, self.work, self.fails));
    }
}

/// The fake executor's thread: follows every attempt in flight.
fn executor(rx: &Receiver<(RemoteHandle, Duration, bool)>, running: &Running) {
    let mut attempts: Vec<(RemoteHandle, Instant, bool)> = Vec::new();
    loop {
        match rx.recv_timeout(Duration::from_micros(500)) {
            Ok((handle, work, fails)) => attempts.push((handle, Instant::now() + work, fails)),
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) if attempts.is_empty() => {
                return;
            }
            Err(_) => {}
        }
        let now = Instant::now();
        let mut still = Vec::with_capacity(attempts.len());
        for (handle, due, fails) in attempts.drain(..) {
            let result: Option<JobResult> = if handle.should_stop() {
                Some(Err(JobError::Stopped))
            } else if now >= due {
                Some(if fails {
                    Err(JobError::msg("remote failure"))
                } else {
                    Ok(Output::default())
                })
            } else {
                None
            };
            match result {
                Some(result) => {
                    running.leave();
                    handle.finish(result);
                }
                None => still.push((handle, due, fails)),
            }
        }
        attempts = still;
    }
}

/// A local job of the round, and whether it runs until stopped (and so
/// needs a timeout).
fn local_job(rng: &mut fastrand::Rng, running: &Arc<Running>) -> (NewJob, bool) {
    let running = Arc::clone(running);
    let kind = rng.u8(0..10);
    let work = Duration::from_micros(rng.u64(0..2000));
    let job = NewJob::new(move |ctx: &JobContext| {
        running.enter();
        let result = match kind {
            0 => Err(JobError::msg("failed")),
            1 => {
                running.leave();
                panic!("stress panic");
            }
            2 => {
                // Runs until stopped; such jobs always get a timeout.
                loop {
                    if let Err(stopped) = ctx.sleep(Duration::from_micros(200)) {
                        break Err(stopped);
                    }
                }
            }
            3 => {
                ctx.progress(0.5);
                ctx.log("half way");
                ctx.sample("s", 1.0, 2.0);
                ctx.sleep(work).map(|()| Output::default())
            }
            _ => ctx.sleep(work).map(|()| Output::default()),
        };
        running.leave();
        result
    });
    (job, kind == 2)
}

/// Runs one round of `jobs` jobs from `seed`. Errors say what was wrong.
pub fn run_round(seed: u64, jobs: usize, deadline: Duration) -> Result<RoundReport, String> {
    let started = Instant::now();
    let mut rng = fastrand::Rng::with_seed(seed);
    let cap = if rng.u8(0..4) == 0 {
        rng.usize(9..=64)
    } else {
        rng.usize(1..=8)
    };
    let fixed_cap = rng.bool().then_some(cap);
    let slow_consumer = rng.u8(0..4) == 0;
    let (pool, events) = Pool::new(cap).map_err(|e| e.to_string())?;
    let running = Arc::new(Running::default());
    let (executor_tx, executor_rx) = unbounded();
    let executor_running = Arc::clone(&running);
    let executor_thread = thread::Builder::new()
        .name("stress-executor".into())
        .spawn(move || executor(&executor_rx, &executor_running))
        .map_err(|e| e.to_string())?;
    let consumer = thread::Builder::new()
        .name("stress-consumer".into())
        .spawn(move || consume(events, jobs, slow_consumer, started + deadline))
        .map_err(|e| e.to_string())?;

    let mut ids: Vec<JobId> = Vec::with_capacity(jobs);
    let mut after: HashMap<JobId, Vec<JobId>> = HashMap::new();
    while ids.len() < jobs {
        let batch_len = rng.usize(1..=64).min(jobs - ids.len());
        let mut batch = Vec::with_capacity(batch_len);
        let mut batch_ids: Vec<JobId> = Vec::new();
        for _ in 0..batch_len {
            let job = random_job(
                &mut rng,
                &running,
                &executor_tx,
                &ids,
                &batch_ids,
                &mut after,
            );
            batch_ids.push(job.id());
            batch.push(job);
        }
        if rng.bool() {
            pool.submit_all(batch)
                .map_err(|e| format!("submit_all: {e}"))?;
        } else {
            for job in batch {
                pool.submit(job).map_err(|e| format!("submit: {e}"))?;
            }
        }
        ids.extend(batch_ids);
        act(&pool, &mut rng, &ids, fixed_cap);
    }
    pool.resume();
    if fixed_cap.is_none() {
        pool.set_max_threads(cap).map_err(|e| e.to_string())?;
    }

    let events_seen = consumer
        .join()
        .map_err(|_| "the consumer panicked".to_owned())?;
    let report = check(&events_seen, &ids, &after, fixed_cap, &running)?;
    let end = started + deadline;
    while pool.counts() != PoolCounts::default() {
        if Instant::now() > end {
            return Err(format!(
                "counts never came back to zero: {:?}",
                pool.counts()
            ));
        }
        thread::sleep(Duration::from_millis(1));
    }
    drop(pool);
    drop(executor_tx);
    executor_thread
        .join()
        .map_err(|_| "the executor panicked".to_owned())?;
    Ok(report)
}

/// One job of a round, with random options; records its dependencies in
/// `after`.
fn random_job(
    rng: &mut fastrand::Rng,
    running: &Arc<Running>,
    executor_tx: &Sender<(RemoteHandle, Duration, bool)>,
    ids: &[JobId],
    batch_ids: &[JobId],
    after: &mut HashMap<JobId, Vec<JobId>>,
) -> NewJob {
    let (mut job, endless) = if rng.u8(0..8) == 0 {
        let remote = NewJob::remote(FakeRemote {
            executor: executor_tx.clone(),
            work: Duration::from_micros(rng.u64(0..3000)),
            fails: rng.u8(0..5) == 0,
            running: Arc::clone(running),
        });
        (remote, false)
    } else {
        local_job(rng, running)
    };
    if rng.u8(0..3) == 0 {
        job = job.with_id(JobId::new());
    }
    if rng.u8(0..4) == 0 {
        job = job.priority(rng.i32(-2..=2));
    }
    if rng.u8(0..5) == 0 {
        job = job.retries(rng.u32(1..=2));
    }
    // A job that runs until stopped always gets a timeout, a few
    // others too.
    if endless || rng.u8(0..10) == 0 {
        job = job.timeout(Duration::from_millis(rng.u64(1..=20)));
    }
    let known = ids.len() + batch_ids.len();
    if known > 0 && rng.u8(0..5) == 0 {
        let deps: Vec<JobId> = (0..rng.usize(1..=3))
            .map(|_| {
                let pick = rng.usize(0..known);
                ids.get(pick)
                    .copied()
                    .unwrap_or_else(|| batch_ids[pick - ids.len()])
            })
            .collect();
        after.insert(job.id(), deps.clone());
        job = job.after(deps);
    }
    job
}

/// A random control action between batches.
fn act(pool: &Pool, rng: &mut fastrand::Rng, ids: &[JobId], fixed_cap: Option<usize>) {
    let any = ids[rng.usize(0..ids.len())];
    match rng.u8(0..40) {
        0..=3 => {
            pool.stop(any);
        }
        4..=6 => {
            pool.cancel(any);
        }
        7 => pool.pause(),
        8..=10 => pool.resume(),
        11..=13 => {
            pool.set_priority(any, rng.i32(-3..=3));
        }
        14 => {
            pool.set_job_paused(any, false);
        }
        15..=18 if fixed_cap.is_none() => {
            let _ = pool.set_max_threads(rng.usize(1..=300));
        }
        19 if rng.u8(0..4) == 0 => pool.stop_all(),
        20 => {
            let _ = pool.state(any);
            let _ = pool.counts();
        }
        _ => {}
    }
}

/// Reads events until `jobs` jobs finished, or `deadline`.
fn consume(
    mut events: jobdeck::engine::EventReceiver,
    jobs: usize,
    slow: bool,
    deadline: Instant,
) -> Vec<Event> {
    let mut seen = Vec::new();
    let mut finished = 0;
    while finished < jobs {
        let Ok(event) = events.recv_deadline(deadline) else {
            break;
        };
        if slow && seen.len() % 256 == 0 {
            thread::sleep(Duration::from_micros(300));
        }
        finished += usize::from(event.kind.is_terminal());
        seen.push(event);
    }
    seen
}

fn check(
    seen: &[Event],
    ids: &[JobId],
    after: &HashMap<JobId, Vec<JobId>>,
    fixed_cap: Option<usize>,
    running: &Running,
) -> Result<RoundReport, String> {
    let mut report = RoundReport {
        jobs: ids.len(),
        events: seen.len(),
        fixed_cap,
        ..RoundReport::default()
    };
    let mut ended: HashMap<JobId, OutcomeKind> = HashMap::new();
    let mut attempt_running: HashSet<JobId> = HashSet::new();
    let mut stream_running = 0usize;
    for event in seen {
        if ended.contains_key(&event.job) {
            return Err(format!("{event:?} after the job finished"));
        }
        match &event.kind {
            EventKind::Started { .. } => {
                for dep in after.get(&event.job).into_iter().flatten() {
                    match ended.get(dep) {
                        Some(OutcomeKind::Succeeded) => {}
                        other => {
                            return Err(format!(
                                "{:?} started while its dependency {dep:?} was {other:?}",
                                event.job
                            ));
                        }
                    }
                }
                if !attempt_running.insert(event.job) {
                    return Err(format!("{:?} started twice at once", event.job));
                }
                stream_running += 1;
                report.peak_running = report.peak_running.max(stream_running);
                if let Some(cap) = fixed_cap
                    && stream_running > cap
                {
                    return Err(format!("{stream_running} jobs running, cap {cap}"));
                }
            }
            EventKind::Retrying { .. } if attempt_running.remove(&event.job) => {
                stream_running -= 1;
            }
            EventKind::Finished(outcome) => {
                if attempt_running.remove(&event.job) {
                    stream_running -= 1;
                }
                ended.insert(event.job, outcome.kind());
                *report.outcomes.entry(outcome.kind()).or_default() += 1;
                if let Outcome::Skipped { because } = outcome
                    && ended.get(because).is_none_or(|kind| kind.is_success())
                {
                    return Err(format!(
                        "{:?} skipped because of {because:?}, which had not failed",
                        event.job
                    ));
                }
            }
            _ => {}
        }
    }
    let missing = ids.iter().filter(|id| !ended.contains_key(id)).count();
    if missing > 0 {
        return Err(format!(
            "{missing} of {} jobs never finished (a hang?)",
            ids.len()
        ));
    }
    if ended.len() != ids.len() {
        return Err(format!(
            "{} jobs finished, {} submitted",
            ended.len(),
            ids.len()
        ));
    }
    if let Some(cap) = fixed_cap {
        let peak = running.peak.load(Ordering::SeqCst);
        if peak > cap {
            return Err(format!("jobs counted {peak} running at once, cap {cap}"));
        }
    }
    Ok(report)
}
