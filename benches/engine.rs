//! Engine benchmarks, each against a bare hand-written baseline run in the
//! same process, interleaved, so the ratio means something on a shared,
//! noisy machine. Prints one `RESULT` line per workload, last.
//!
//! Run with `cargo bench --bench engine`.

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, unbounded};
use jobdeck::engine::{EventKind, JobContext, JobId, NewJob, Output, Pool};

/// Paired runs per workload; the median of each side is reported.
const RUNS: usize = 7;

type Task = Box<dyn FnOnce() -> u64 + Send>;

/// The baseline: N plain threads reading boxed tasks from one crossbeam
/// channel and sending each result on another.
struct BarePool {
    tasks: Option<Sender<Task>>,
    results: Receiver<u64>,
    threads: Vec<thread::JoinHandle<()>>,
}

impl BarePool {
    fn new(threads: usize) -> Self {
        let (task_tx, task_rx) = unbounded::<Task>();
        let (result_tx, result_rx) = unbounded();
        let threads = (0..threads)
            .map(|i| {
                let (task_rx, result_tx) = (task_rx.clone(), result_tx.clone());
                thread::Builder::new()
                    .name(format!("bare-{i}"))
                    .spawn(move || {
                        for task in task_rx {
                            let _ = result_tx.send(task());
                        }
                    })
                    .unwrap()
            })
            .collect();
        Self {
            tasks: Some(task_tx),
            results: result_rx,
            threads,
        }
    }

    fn submit(&self, task: Task) {
        self.tasks.as_ref().unwrap().send(task).unwrap();
    }
}

impl Drop for BarePool {
    fn drop(&mut self) {
        self.tasks = None;
        for handle in self.threads.drain(..) {
            handle.join().unwrap();
        }
    }
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Runs `jobdeck` and `baseline` alternately `RUNS` times; returns medians.
fn paired(
    mut jobdeck: impl FnMut() -> Duration,
    mut baseline: impl FnMut() -> Duration,
) -> (f64, f64) {
    // One warm-up each.
    jobdeck();
    baseline();
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        ours.push(ms(jobdeck()));
        theirs.push(ms(baseline()));
    }
    (median(ours), median(theirs))
}

// ---- dispatch: 100,000 no-op jobs, until every terminal event is in ----

const DISPATCH_JOBS: usize = 100_000;

/// How the dispatch workload hands its jobs to the pool.
#[derive(Clone, Copy)]
enum Submit {
    /// One `submit` per job, as the window's toolbar does.
    EachAlone,
    /// All of them in one `submit_all`.
    Batch,
    /// All of them in one `submit_all`, each with an id the caller chose,
    /// as a job file's jobs are submitted.
    BatchWithIds,
}

fn dispatch_jobdeck(threads: usize, submit: Submit) -> Duration {
    let start = Instant::now();
    let (pool, mut events) = Pool::new(threads).unwrap();
    let job = || NewJob::new(|_: &JobContext| Ok(Output::default()));
    match submit {
        Submit::EachAlone => {
            for _ in 0..DISPATCH_JOBS {
                pool.submit(job()).unwrap();
            }
        }
        Submit::Batch => {
            pool.submit_all((0..DISPATCH_JOBS).map(|_| job()).collect())
                .unwrap();
        }
        Submit::BatchWithIds => {
            let jobs = (0..DISPATCH_JOBS)
                .map(|_| job().with_id(JobId::new()))
                .collect();
            pool.submit_all(jobs).unwrap();
        }
    }
    let mut finished = 0;
    while finished < DISPATCH_JOBS {
        if events.next().unwrap().kind.is_terminal() {
            finished += 1;
        }
    }
    let elapsed = start.elapsed();
    drop(pool);
    elapsed
}

fn dispatch_bare(threads: usize) -> Duration {
    let start = Instant::now();
    let pool = BarePool::new(threads);
    for i in 0..DISPATCH_JOBS as u64 {
        pool.submit(Box::new(move || black_box(i)));
    }
    for _ in 0..DISPATCH_JOBS {
        pool.results.recv().unwrap();
    }
    let elapsed = start.elapsed();
    drop(pool);
    elapsed
}

// ---- progress flood: 64 jobs x 10,000 updates on 8 threads, one folder ----

const FLOOD_JOBS: usize = 64;
const FLOOD_UPDATES: u32 = 10_000;

/// Returns the time and how many progress events the consumer folded.
fn flood_jobdeck() -> (Duration, usize) {
    let start = Instant::now();
    let (pool, mut events) = Pool::new(8).unwrap();
    for _ in 0..FLOOD_JOBS {
        pool.submit(NewJob::new(|ctx: &JobContext| {
            for i in 1..=FLOOD_UPDATES {
                ctx.progress(i as f32 / FLOOD_UPDATES as f32);
            }
            Ok(Output::default())
        }))
        .unwrap();
    }
    let mut progress = HashMap::new();
    let (mut finished, mut folded) = (0, 0);
    while finished < FLOOD_JOBS {
        let event = events.next().unwrap();
        match event.kind {
            EventKind::Progress(value) => {
                progress.insert(event.job, value);
                folded += 1;
            }
            EventKind::Finished(_) => finished += 1,
            _ => {}
        }
    }
    let elapsed = start.elapsed();
    assert!(progress.values().all(|v| (*v - 1.0).abs() < f32::EPSILON));
    drop(pool);
    (elapsed, folded)
}

/// The baseline sends every update as a message and folds them all.
fn flood_bare() -> Duration {
    let start = Instant::now();
    let pool = BarePool::new(8);
    let (progress_tx, progress_rx) = unbounded::<(usize, f32)>();
    for job in 0..FLOOD_JOBS {
        let tx = progress_tx.clone();
        pool.submit(Box::new(move || {
            for i in 1..=FLOOD_UPDATES {
                let _ = tx.send((job, i as f32 / FLOOD_UPDATES as f32));
            }
            0
        }));
    }
    drop(progress_tx);
    let mut progress = HashMap::new();
    for (job, value) in progress_rx {
        progress.insert(job, value);
    }
    for _ in 0..FLOOD_JOBS {
        pool.results.recv().unwrap();
    }
    let elapsed = start.elapsed();
    drop(pool);
    elapsed
}

// ---- stop latency: 100 cooperative jobs, 8 running, stop all at 200 ms ----

const STOP_JOBS: usize = 100;
const STOP_AT: Duration = Duration::from_millis(200);

fn stop_jobdeck() -> Duration {
    let (pool, mut events) = Pool::new(8).unwrap();
    for _ in 0..STOP_JOBS {
        pool.submit(NewJob::new(|ctx: &JobContext| {
            loop {
                ctx.checkpoint()?;
                ctx.sleep(Duration::from_millis(1))?;
            }
        }))
        .unwrap();
    }
    thread::sleep(STOP_AT);
    let asked = Instant::now();
    pool.stop_all();
    let mut finished = 0;
    while finished < STOP_JOBS {
        if events.next().unwrap().kind.is_terminal() {
            finished += 1;
        }
    }
    asked.elapsed()
}

fn stop_bare() -> Duration {
    let pool = BarePool::new(8);
    let stop = Arc::new(AtomicBool::new(false));
    for _ in 0..STOP_JOBS {
        let stop = Arc::clone(&stop);
        pool.submit(Box::new(move || {
            while !stop.load(Ordering::Acquire) {
                thread::sleep(Duration::from_millis(1));
            }
            0
        }));
    }
    thread::sleep(STOP_AT);
    let asked = Instant::now();
    stop.store(true, Ordering::Release);
    for _ in 0..STOP_JOBS {
        pool.results.recv().unwrap();
    }
    asked.elapsed()
}

/// A workload's name, one run of jobdeck's side and one of the baseline's.
type Workload = (&'static str, fn() -> Duration, fn() -> Duration);

/// Every workload by name.
fn workloads() -> Vec<Workload> {
    vec![
        (
            "dispatch_100k_t2",
            || dispatch_jobdeck(2, Submit::EachAlone),
            || dispatch_bare(2),
        ),
        (
            "dispatch_100k_t8",
            || dispatch_jobdeck(8, Submit::EachAlone),
            || dispatch_bare(8),
        ),
        (
            "dispatch_100k_t2_batch",
            || dispatch_jobdeck(2, Submit::Batch),
            || dispatch_bare(2),
        ),
        (
            "dispatch_100k_ids",
            || dispatch_jobdeck(2, Submit::BatchWithIds),
            || dispatch_bare(2),
        ),
        ("progress_flood", || flood_jobdeck().0, flood_bare),
        ("stop_latency", stop_jobdeck, stop_bare),
    ]
}

/// `--once=jobdeck` or `--once=baseline`: runs each workload named exactly
/// once, that side only, with no warm-up, so that a whole process can be
/// counted under `valgrind --tool=callgrind` (instructions are nearly
/// deterministic where wall-clock time on a shared machine is not).
fn run_once(side: &str, names: &[String]) {
    for (name, ours, baseline) in workloads() {
        if !names.iter().any(|n| n == name) {
            continue;
        }
        let elapsed = match side {
            "jobdeck" => ours(),
            "baseline" => baseline(),
            _ => panic!("--once takes jobdeck or baseline, not {side:?}"),
        };
        println!("ONCE {name} side={side} ms={:.1}", ms(elapsed));
    }
}

fn main() {
    // `cargo test --benches` runs this binary with `--bench` absent; keep
    // that quick by doing nothing.
    if !std::env::args().any(|arg| arg == "--bench") {
        return;
    }
    // Like criterion: a plain argument keeps only the workloads whose name
    // contains it (`cargo bench --bench engine -- dispatch`).
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"))
        .collect();
    let wanted = |name: &str| filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str()));
    if let Some(side) =
        std::env::args().find_map(|arg| arg.strip_prefix("--once=").map(str::to_owned))
    {
        run_once(&side, &filter);
        return;
    }
    let mut results = Vec::new();
    for threads in [2, 8] {
        if !wanted(&format!("dispatch_100k_t{threads}")) {
            continue;
        }
        let (ours, bare) = paired(
            || dispatch_jobdeck(threads, Submit::EachAlone),
            || dispatch_bare(threads),
        );
        results.push(format!(
            "RESULT dispatch_100k_t{threads} jobdeck_ms={ours:.1} baseline_ms={bare:.1} ratio={:.2}",
            ours / bare
        ));
    }
    // The same jobs submitted as one batch, and as a job file submits them.
    for (name, submit) in [
        ("dispatch_100k_t2_batch", Submit::Batch),
        ("dispatch_100k_ids", Submit::BatchWithIds),
    ] {
        if !wanted(name) {
            continue;
        }
        let (ours, bare) = paired(|| dispatch_jobdeck(2, submit), || dispatch_bare(2));
        results.push(format!(
            "RESULT {name} jobdeck_ms={ours:.1} baseline_ms={bare:.1} ratio={:.2}",
            ours / bare
        ));
    }

    if wanted("progress_flood") {
        results.push(progress_flood());
    }
    if wanted("stop_latency") {
        let (ours, bare) = paired(stop_jobdeck, stop_bare);
        results.push(format!(
            "RESULT stop_latency jobdeck_ms={ours:.2} baseline_ms={bare:.2} ratio={:.2}",
            ours / bare
        ));
    }
    for line in results {
        println!("{line}");
    }
}

fn progress_flood() -> String {
    let mut folded = Vec::new();
    let (ours, bare) = paired(
        || {
            let (elapsed, events) = flood_jobdeck();
            folded.push(events as f64);
            elapsed
        },
        flood_bare,
    );
    let updates = (FLOOD_JOBS * FLOOD_UPDATES as usize) as f64;
    format!(
        "RESULT progress_flood jobdeck_ms={ours:.1} baseline_ms={bare:.1} ratio={:.2} \
         updates_per_sec={:.0} baseline_updates_per_sec={:.0} events_folded={:.0}",
        ours / bare,
        updates / (ours / 1000.0),
        updates / (bare / 1000.0),
        median(folded),
    )
}
