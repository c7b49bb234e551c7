//! The Slurm driver against plain `sbatch` + `squeue` polling, on the test
//! cluster (`tests/slurm/up.sh`), paired and interleaved in one process.
//! Prints one `RESULT` line per workload, last:
//!
//! - `latency_single`: one job at a time (`sleep 1`), submit-to-running as
//!   each side sees it (the end of `sbatch` to the poll that shows RUNNING),
//!   both polling once a second;
//! - `fifty_jobs`: 50 jobs (`echo`) at once: wall time until every end is
//!   seen, mean submit-to-running, and CPU time of this process and the Slurm
//!   commands it ran, per job. jobdeck does more per job than the baseline
//!   (a script, `scontrol show job` for the exit code, the output file read),
//!   which is the overhead measured;
//! - `queued_1000`: 1,000 jobs held pending on the cluster (`--begin`):
//!   threads the driver holds, time to submit them, CPU per second while
//!   they wait, and time to stop them all.
//!
//! Run with `cargo bench --bench slurm`; it needs the cluster (and skips,
//! saying so, without one).

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jobdeck::executor::slurm::{DriverOptions, Slurm, SlurmSettings};
use jobdeck::executor::{Program, RemoteJob, RemoteOutcome, RemoteStatus, Reporter};

/// Paired rounds per workload; the median of each side is reported.
const ROUNDS: usize = 3;
/// Both sides poll at the driver's default interval.
const POLL: Duration = Duration::from_secs(1);

/// When one job was submitted, first seen running, and seen to end.
#[derive(Clone, Copy, Default)]
struct Times {
    submitted: Option<Instant>,
    started: Option<Instant>,
    ended: Option<Instant>,
}

/// One side's figures for one run.
struct Run {
    wall: Duration,
    mean_latency: Duration,
    cpu_per_job: Duration,
}

fn summarize(start: Instant, times: &[Times], cpu: Duration) -> Run {
    let ends = times.iter().filter_map(|t| t.ended);
    let wall = ends.max().unwrap().duration_since(start);
    let latencies: Vec<Duration> = times
        .iter()
        .map(|t| t.started.unwrap().duration_since(t.submitted.unwrap()))
        .collect();
    let count = u32::try_from(times.len()).unwrap();
    Run {
        wall,
        mean_latency: latencies.iter().sum::<Duration>() / count,
        cpu_per_job: cpu / count,
    }
}

/// CPU time of this process and of its children that were waited for
/// (`/proc/self/stat` utime + stime + cutime + cstime, in `USER_HZ` = 100).
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // Fields after the command name, which is in parentheses.
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..]
        .split_whitespace()
        .collect();
    let ticks: u64 = fields[11..15]
        .iter()
        .map(|f| f.parse::<u64>().unwrap())
        .sum();
    Duration::from_millis(ticks * 10)
}

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

fn script(body: &str) -> String {
    format!("#!/bin/sh\n{body}\n")
}

/// The baseline: `sbatch --parsable` per job, then `squeue` for all of them
/// once a second until each is seen in a final state.
fn baseline(name: &str, body: &str, count: usize, out: &Path) -> (Instant, Vec<Times>) {
    let mut times = vec![Times::default(); count];
    let start = Instant::now();
    let mut ids = Vec::with_capacity(count);
    for time in &mut times {
        let mut child = Command::new("sbatch")
            .args(["--parsable", "--job-name", name, "--output"])
            .arg(out.join("base-%j.out"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), script(body).as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        ids.push(String::from_utf8(output.stdout).unwrap().trim().to_owned());
        time.submitted = Some(Instant::now());
    }
    let list = ids.join(",");
    let mut next = Instant::now();
    while times.iter().any(|t| t.ended.is_none()) {
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
        next += POLL;
        let output = Command::new("squeue")
            .args(["-h", "-t", "all", "-j", &list, "-o", "%i|%T"])
            .output()
            .unwrap();
        let now = Instant::now();
        for line in String::from_utf8_lossy(&output.stdout).lines() {
            let Some((id, state)) = line.split_once('|') else {
                continue;
            };
            let Some(i) = ids.iter().position(|known| known == id) else {
                continue;
            };
            let time = &mut times[i];
            match state {
                "PENDING" | "CONFIGURING" => {}
                "RUNNING" | "COMPLETING" => {
                    time.started.get_or_insert(now);
                }
                _ => {
                    time.started.get_or_insert(now);
                    time.ended.get_or_insert(now);
                }
            }
        }
    }
    (start, times)
}

/// Records the driver's reports as [`Times`].
struct Timer {
    times: Mutex<Times>,
    outcome: Mutex<Option<RemoteOutcome>>,
}

impl Reporter for Timer {
    fn status(&self, status: RemoteStatus) {
        let now = Instant::now();
        let mut times = self.times.lock().unwrap();
        match status {
            RemoteStatus::Submitted { .. } => times.submitted = Some(now),
            RemoteStatus::Running { .. } | RemoteStatus::Ending { .. } => {
                times.started.get_or_insert(now);
            }
            _ => {}
        }
    }
    fn line(&self, _: String) {}
    fn notice(&self, _: String) {}
    fn finished(&self, outcome: RemoteOutcome) {
        let now = Instant::now();
        let mut times = self.times.lock().unwrap();
        times.started.get_or_insert(now);
        times.ended = Some(now);
        *self.outcome.lock().unwrap() = Some(outcome);
    }
}

fn timer() -> Arc<Timer> {
    Arc::new(Timer {
        times: Mutex::new(Times::default()),
        outcome: Mutex::new(None),
    })
}

fn wait_all(timers: &[Arc<Timer>]) {
    while timers.iter().any(|t| t.outcome.lock().unwrap().is_none()) {
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn driver(out: &Path, extra_args: Vec<String>) -> Slurm {
    let settings = SlurmSettings {
        output_dir: Some(out.to_path_buf()),
        extra_args,
        ..SlurmSettings::default()
    };
    let options = DriverOptions {
        poll_interval: POLL,
        ..DriverOptions::default()
    };
    Slurm::start(settings, options).unwrap()
}

/// jobdeck: the same jobs through the driver.
fn jobdeck(name: &str, body: &str, count: usize, out: &Path) -> (Instant, Vec<Times>) {
    let slurm = driver(out, Vec::new());
    let start = Instant::now();
    let timers: Vec<Arc<Timer>> = (0..count).map(|_| timer()).collect();
    for timer in &timers {
        let job = RemoteJob::new(name, Program::Shell(body.to_owned()));
        slurm.submit(job, timer.clone());
    }
    wait_all(&timers);
    for timer in &timers {
        let outcome = timer.outcome.lock().unwrap();
        assert!(
            matches!(*outcome, Some(RemoteOutcome::Succeeded { .. })),
            "{outcome:?}"
        );
    }
    let recorded = timers.iter().map(|t| *t.times.lock().unwrap()).collect();
    (start, recorded)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Runs `side` measuring CPU, and summarizes.
fn measured(side: impl FnOnce() -> (Instant, Vec<Times>)) -> Run {
    let cpu = cpu_time();
    let (start, times) = side();
    summarize(start, &times, cpu_time().saturating_sub(cpu))
}

fn paired(label: &str, body: &str, count: usize, one_at_a_time: bool) -> (Vec<Run>, Vec<Run>) {
    let out = tempfile::tempdir().unwrap();
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let name = format!("bench-{label}-{round}");
        let run = |side: &dyn Fn(usize) -> (Instant, Vec<Times>)| {
            measured(|| {
                if one_at_a_time {
                    // Each job alone on the cluster: its own start time.
                    let mut all = Vec::new();
                    let mut first = None;
                    for _ in 0..count {
                        let (start, times) = side(1);
                        first.get_or_insert(start);
                        all.extend(times);
                    }
                    (first.unwrap(), all)
                } else {
                    side(count)
                }
            })
        };
        let base = run(&|n| baseline(&name, body, n, out.path()));
        let mine = run(&|n| jobdeck(&name, body, n, out.path()));
        eprintln!(
            "{label} round {round}: jobdeck wall {:.2} s latency {:.3} s cpu/job {:.1} ms; \
             baseline wall {:.2} s latency {:.3} s cpu/job {:.1} ms",
            mine.wall.as_secs_f64(),
            mine.mean_latency.as_secs_f64(),
            mine.cpu_per_job.as_secs_f64() * 1e3,
            base.wall.as_secs_f64(),
            base.mean_latency.as_secs_f64(),
            base.cpu_per_job.as_secs_f64() * 1e3,
        );
        ours.push(mine);
        theirs.push(base);
    }
    (ours, theirs)
}

fn queued_1000() -> String {
    let out = tempfile::tempdir().unwrap();
    let before = threads();
    let slurm = driver(out.path(), vec!["--begin=now+600".into()]);
    let timers: Vec<Arc<Timer>> = (0..1000).map(|_| timer()).collect();
    let start = Instant::now();
    let mut peak_threads = threads();
    let handles: Vec<_> = timers
        .iter()
        .map(|timer| {
            let job = RemoteJob::new("bench-queued", Program::Shell("true".into()));
            slurm.submit(job, timer.clone())
        })
        .collect();
    while timers
        .iter()
        .any(|t| t.times.lock().unwrap().submitted.is_none())
    {
        peak_threads = peak_threads.max(threads());
        std::thread::sleep(Duration::from_millis(20));
    }
    let submit_secs = start.elapsed().as_secs_f64();
    let held_threads = threads() - before;

    let cpu = cpu_time();
    let idle_start = Instant::now();
    while idle_start.elapsed() < Duration::from_secs(10) {
        peak_threads = peak_threads.max(threads());
        std::thread::sleep(Duration::from_millis(20));
    }
    let cpu_share =
        cpu_time().saturating_sub(cpu).as_secs_f64() / idle_start.elapsed().as_secs_f64();

    let stop_start = Instant::now();
    for handle in &handles {
        handle.stop();
    }
    wait_all(&timers);
    let stop_secs = stop_start.elapsed().as_secs_f64();
    drop(slurm);
    format!(
        "RESULT queued_1000 driver_threads={held_threads} peak_driver_threads={} \
         submit_s={submit_secs:.1} cpu_while_queued={:.1}% stop_all_s={stop_secs:.1}",
        peak_threads - before,
        cpu_share * 100.0
    )
}

fn main() {
    if let Err(error) = Slurm::check_setup(&SlurmSettings::default(), &DriverOptions::default()) {
        eprintln!("skipped: no Slurm cluster here ({error}); start one with tests/slurm/up.sh");
        return;
    }
    let filter = std::env::args().skip(1).find(|arg| !arg.starts_with('-'));
    let wanted = |name: &str| filter.as_deref().is_none_or(|f| name.contains(f));
    let mut results = Vec::new();
    for (label, body, count, one) in [
        ("latency_single", "sleep 1", 5, true),
        ("fifty_jobs", "echo hello", 50, false),
    ] {
        if !wanted(label) {
            continue;
        }
        let (ours, theirs) = paired(label, body, count, one);
        let pick = |runs: &[Run], f: fn(&Run) -> Duration| {
            median(runs.iter().map(|run| f(run).as_secs_f64()).collect())
        };
        let (wall, base_wall) = (pick(&ours, |r| r.wall), pick(&theirs, |r| r.wall));
        let (lat, base_lat) = (
            pick(&ours, |r| r.mean_latency),
            pick(&theirs, |r| r.mean_latency),
        );
        let (cpu, base_cpu) = (
            pick(&ours, |r| r.cpu_per_job),
            pick(&theirs, |r| r.cpu_per_job),
        );
        results.push(format!(
            "RESULT {label} jobdeck_wall_s={wall:.2} baseline_wall_s={base_wall:.2} \
             wall_ratio={:.2} jobdeck_latency_s={lat:.3} baseline_latency_s={base_lat:.3} \
             latency_ratio={:.2} jobdeck_cpu_ms_per_job={:.1} baseline_cpu_ms_per_job={:.1} \
             cpu_ratio={:.2}",
            wall / base_wall,
            lat / base_lat,
            cpu * 1e3,
            base_cpu * 1e3,
            cpu / base_cpu,
        ));
    }
    if wanted("queued_1000") {
        results.push(queued_1000());
    }
    for line in results {
        println!("{line}");
    }
}
