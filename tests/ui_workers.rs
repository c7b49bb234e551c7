//! The Workers panel, read like a screen reader would: a lane per worker
//! thread, named "Worker N", whose value says what it runs and which jobs it
//! ran; hovering a span names its job.

mod common;
#[path = "common/window.rs"]
mod window;

use common::{PATIENCE, wait_until};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use jobdeck::board::StateClass;
use jobdeck::ui::App;
use window::{harness, start, step_until, steps};

fn lane_value(harness: &Harness<'_, App>, worker: usize) -> String {
    harness
        .get_by_label(&format!("Worker {worker}"))
        .accesskit_node()
        .value()
        .unwrap_or_default()
}

#[test]
fn the_workers_panel_shows_a_lane_per_worker_with_the_jobs_each_ran() {
    let mut harness = harness(2);
    for _ in 0..5 {
        start(&mut harness, steps(4, 5));
    }
    step_until(&mut harness, "all five jobs to succeed", |app| {
        app.board().count(StateClass::Succeeded) == 5
    });
    harness.step();
    assert!(
        harness.query_by_label("Worker 2").is_none(),
        "two threads, two lanes"
    );
    let jobs = harness.state().board().jobs().to_vec();
    for worker in 0..2 {
        let value = lane_value(&harness, worker);
        assert!(value.contains("is idle"), "lane {worker}: {value}");
        for job in &jobs {
            let named = value.contains(&format!("{} (succeeded)", job.name()));
            assert_eq!(
                named,
                job.worker == Some(worker),
                "lane {worker} says {value:?}; {} ran on {:?}",
                job.name(),
                job.worker
            );
        }
    }
    // The worker stays in the row after the job ended.
    assert!(jobs.iter().all(|job| job.worker.is_some()));
    harness.get_by_label("Workers").click();
    harness.step();
    harness.step();
    assert!(
        harness.query_by_label("Worker 0").is_none(),
        "the panel hides"
    );
}

#[test]
fn a_lane_says_what_it_runs_and_hovering_its_span_names_the_job() {
    let mut harness = harness(1);
    start(&mut harness, steps(10_000, 10));
    step_until(&mut harness, "the job to run", |app| {
        app.board().count(StateClass::Running) == 1
    });
    harness.step();
    assert_eq!(lane_value(&harness, 0), "worker 0 runs Steps #1");
    // The running span reaches the right end of its lane: now.
    let lane = harness.get_by_label("Worker 0").rect();
    harness.hover_at(egui::pos2(lane.right() - 2.0, lane.center().y));
    // Tooltips show after a short rest of the pointer.
    wait_until("the span's tooltip", PATIENCE, || {
        harness.step();
        harness
            .query_by_label_contains("Steps #1 · running")
            .is_some()
    });
    harness.get_by_label("Stop all").click();
    step_until(&mut harness, "the job to stop", |app| {
        app.board().live_jobs() == 0
    });
}
