//! The window in a test harness, driven like a person would: the pieces
//! every `egui_kittest` test of the app builds the same way.

#![allow(dead_code)] // Each test binary uses its own subset.

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use jobdeck::jobs::{DemoJob, Steps};
use jobdeck::jobspec::JobKind;
use jobdeck::ui::{App, Settings};

use crate::common::{PATIENCE, wait_until};

/// An app with a pool of `max_threads` and otherwise default settings.
pub fn app(max_threads: usize) -> App {
    let settings = Settings {
        max_threads,
        ..Settings::default()
    };
    App::new(settings).expect("a valid pool size")
}

/// `app` in a window the size of a laptop screen.
pub fn harness_of(app: App) -> Harness<'static, App> {
    Harness::builder()
        .with_size([1280.0, 800.0])
        .build_ui_state(|ui, app: &mut App| app.frame_ui(ui), app)
}

/// A window over a pool of `max_threads`.
pub fn harness(max_threads: usize) -> Harness<'static, App> {
    harness_of(app(max_threads))
}

/// Steps the window until `condition` holds for the app, or fails.
pub fn step_until(harness: &mut Harness<'_, App>, what: &str, condition: impl Fn(&App) -> bool) {
    wait_until(what, PATIENCE, || {
        harness.step();
        condition(harness.state())
    });
}

/// Runs `frames` frames (a new window needs one to size itself).
pub fn frames(harness: &mut Harness<'_, App>, frames: usize) {
    for _ in 0..frames {
        harness.step();
    }
}

/// A Steps job of `steps` steps of `delay_ms`.
pub fn steps(steps: u32, delay_ms: u64) -> DemoJob {
    DemoJob::Steps(Steps { steps, delay_ms })
}

/// Chooses `job` in the toolbar and clicks Start job; returns once its row
/// shows.
pub fn start(harness: &mut Harness<'_, App>, job: DemoJob) {
    harness.state_mut().toolbar_mut().choose(JobKind::Demo(job));
    harness.step();
    harness.get_by_label("Start job").click();
    // One frame applies the click, the next shows the new row.
    harness.step();
    harness.step();
}
