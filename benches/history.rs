//! History benchmarks: what recording costs the pool, how fast the journal
//! writes, and how long a window takes to open a big history. Prints one
//! `RESULT` line per workload, last.
//!
//! Run with `cargo bench --bench history`.
//!
//! - `journal_100k`: 100,000 no-op jobs through a session, from submission
//!   until every job's end is folded, with no journal, with the window's
//!   journal, and with the CLI's (which commits at every drain round),
//!   runs interleaved in one process; medians and ratios to "off".
//! - `journal_throughput_100k`: the same jobs with the journal, from
//!   submission until the writer has committed every job's end, in job ends
//!   per second.
//! - `history_open_100k`: a history holding a run of 100,000 jobs (made by
//!   the workload above) opened the way the window opens it (open the
//!   database, recover, read the runs and the newest run's jobs) and the
//!   window's first headless frame drawn (logic, layout, tessellation).

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jobdeck::engine::JobId;
use jobdeck::history::{History, NewRun, Retention};
use jobdeck::jobs::{DemoJob, Steps};
use jobdeck::jobspec::{BuildContext, JobKind, JobSpec, Plan, PlannedJob};
use jobdeck::session::Session;
use jobdeck::ui::{App, Settings};

/// Jobs per workload.
const JOBS: usize = 100_000;
/// Runs per variant; medians are reported.
const RUNS: usize = 5;
/// Worker threads (this machine has two cores).
const THREADS: usize = 2;

#[derive(Clone, Copy, PartialEq)]
enum Journal {
    Off,
    Window,
    Cli,
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn noop_plan() -> Plan {
    let kind = JobKind::Demo(DemoJob::Steps(Steps {
        steps: 0,
        delay_ms: 0,
    }));
    let spec = Arc::new(JobSpec::new("noop", kind));
    Plan {
        jobs: (0..JOBS)
            .map(|i| PlannedJob {
                id: JobId::new(),
                spec: Arc::new(JobSpec {
                    name: format!("noop {i}"),
                    ..(*spec).clone()
                }),
                after: Vec::new(),
            })
            .collect(),
        barriers: Vec::new(),
    }
}

/// Milliseconds until every job's end is folded, and until it is
/// committed (the same when there is no journal).
fn run(journal: Journal, dir: &Path) -> (f64, f64) {
    let mut history = History::open(dir, Retention::default());
    let mut session = Session::new(THREADS, BuildContext::default()).expect("a pool");
    match (journal, history.journal()) {
        (Journal::Window, Some(sink)) => session.add_sink(Box::new(sink)),
        (Journal::Cli, Some(sink)) => session.add_sink(Box::new(sink.commit_each_round())),
        _ => {}
    }
    let plan = noop_plan();
    if journal != Journal::Off {
        history.begin_run(NewRun {
            max_threads: THREADS,
            ..NewRun::default()
        });
        history.number(plan.jobs.iter().zip(1..).map(|(job, seq)| (job.id, seq)));
    }
    let start = Instant::now();
    session.submit(plan).expect("submitted");
    while session.board().live_jobs() > 0 {
        session
            .wait(Duration::from_millis(50), Duration::from_millis(50))
            .expect("sinks write");
    }
    let folded = start.elapsed().as_secs_f64() * 1000.0;
    history.sync();
    let committed = start.elapsed().as_secs_f64() * 1000.0;
    black_box(session.board().jobs().len());
    (folded, committed)
}

/// Opens the history in `dir` as the window does and draws a first frame;
/// milliseconds.
fn open_and_draw(dir: &Path) -> f64 {
    let ctx = egui::Context::default();
    let input = || egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1280.0, 800.0),
        )),
        ..Default::default()
    };
    let start = Instant::now();
    let mut app = App::new(Settings::default())
        .expect("a pool")
        .with_history(History::open(dir, Retention::default()));
    let output = ctx.run_ui(input(), |ui| app.frame_ui(ui));
    black_box(ctx.tessellate(output.shapes, output.pixels_per_point));
    let elapsed = start.elapsed().as_secs_f64() * 1000.0;
    let shown = app
        .history_view()
        .and_then(|view| view.runs().first().map(jobdeck::history::RunRecord::jobs));
    assert_eq!(shown, Some(JOBS), "the newest run and its jobs are shown");
    elapsed
}

fn main() {
    // `cargo test --benches` runs this binary without `--bench`: do nothing.
    if !std::env::args().any(|arg| arg == "--bench") {
        return;
    }
    let mut off = Vec::new();
    let mut window = Vec::new();
    let mut cli = Vec::new();
    let mut committed = Vec::new();
    let kept = tempfile::tempdir().expect("a temp dir");
    for round in 0..RUNS {
        let dir = tempfile::tempdir().expect("a temp dir");
        off.push(run(Journal::Off, dir.path()).0);
        let dir = tempfile::tempdir().expect("a temp dir");
        let (folded, done) = run(Journal::Window, dir.path());
        window.push(folded);
        committed.push(done);
        // One history of a single 100,000-job run, for the open benchmark.
        let dir = if round == 0 {
            kept.path().to_path_buf()
        } else {
            tempfile::tempdir().expect("a temp dir").keep()
        };
        cli.push(run(Journal::Cli, &dir).0);
        if round != 0 {
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
    let opens: Vec<f64> = (0..RUNS).map(|_| open_and_draw(kept.path())).collect();
    let (off, window, cli, committed) =
        (median(off), median(window), median(cli), median(committed));
    let open = median(opens);
    println!(
        "RESULT journal_100k off_ms={off:.1} window_ms={window:.1} cli_ms={cli:.1} window_ratio={:.2} cli_ratio={:.2}",
        window / off,
        cli / off
    );
    println!(
        "RESULT journal_throughput_100k committed_ms={committed:.1} job_ends_per_sec={:.0}",
        JOBS as f64 / (committed / 1000.0)
    );
    println!("RESULT history_open_100k open_and_first_frame_ms={open:.1}");
}
