//! The window's memory with a big history loaded, for `/usr/bin/time -v`.
//!
//! ```sh
//! cargo build --release --example history_window
//! target/release/examples/history_window make /tmp/h 100000   # a run of 100,000 jobs
//! /usr/bin/time -v target/release/examples/history_window open /tmp/h
//! /usr/bin/time -v target/release/examples/history_window open /tmp/empty  # baseline
//! ```
//!
//! `open` builds the window's state as `jobdeck` does (the history opened,
//! its runs and the newest run's jobs read) and draws 30 headless frames at
//! 1280×800 (logic, layout, tessellation; no GPU, no window-system
//! buffers), then prints how long the first took.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jobdeck::engine::JobId;
use jobdeck::history::{History, NewRun, Retention};
use jobdeck::jobs::{DemoJob, Steps};
use jobdeck::jobspec::{BuildContext, JobKind, JobSpec, Plan, PlannedJob};
use jobdeck::session::Session;
use jobdeck::ui::{App, Settings};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match (args.get(1).map(String::as_str), args.get(2)) {
        (Some("make"), Some(dir)) => {
            let jobs = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(100_000);
            make(Path::new(dir), jobs);
        }
        (Some("open"), Some(dir)) => open(Path::new(dir)),
        _ => eprintln!("usage: history_window make DIR [JOBS] | open DIR"),
    }
}

/// Records one run of `jobs` no-op jobs into the history in `dir`.
fn make(dir: &Path, jobs: usize) {
    let mut history = History::open(dir, Retention::default());
    let mut session = Session::new(2, BuildContext::default()).expect("a pool");
    session.add_sink(Box::new(history.journal().expect("history is saved")));
    history.begin_run(NewRun {
        max_threads: 2,
        ..NewRun::default()
    });
    let kind = JobKind::Demo(DemoJob::Steps(Steps {
        steps: 0,
        delay_ms: 0,
    }));
    let plan = Plan {
        jobs: (0..jobs)
            .map(|i| PlannedJob {
                id: JobId::new(),
                spec: Arc::new(JobSpec::new(format!("job {i}"), kind.clone())),
                after: Vec::new(),
            })
            .collect(),
        barriers: Vec::new(),
    };
    session.submit(plan).expect("submitted");
    while session.board().live_jobs() > 0 {
        let _ = session.wait(Duration::from_millis(50), Duration::from_millis(50));
    }
    history.sync();
    println!("recorded {jobs} jobs in {}", history.path().display());
}

fn open(dir: &Path) {
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
    let mut first = None;
    for _ in 0..30 {
        let output = ctx.run_ui(input(), |ui| app.frame_ui(ui));
        std::hint::black_box(ctx.tessellate(output.shapes, output.pixels_per_point));
        first.get_or_insert_with(|| start.elapsed());
    }
    let jobs = app
        .history_view()
        .and_then(|view| view.runs().first().map(jobdeck::history::RunRecord::jobs))
        .unwrap_or(0);
    println!(
        "opened a history whose newest run has {jobs} jobs; first frame after {:.1} ms",
        first.unwrap_or_default().as_secs_f64() * 1000.0
    );
}
