//! When the window asks to be drawn. Each test plays eframe's part with a
//! bare egui context: it runs a frame when the app asked for one (from the
//! engine's threads or from the last frame) and counts the frames.

mod common;

use std::time::{Duration, Instant};

use common::{PATIENCE, wait_until};
use egui::{Context, FullOutput, RawInput, ViewportId};
use jobdeck::board::StateClass;
use jobdeck::jobs::{DemoJob, Steps};
use jobdeck::jobspec::JobKind;
use jobdeck::ui::{App, CLOCK_TICK, Command, Settings, UPDATE_INTERVAL};

fn app() -> App {
    let settings = Settings {
        max_threads: 1,
        ..Settings::default()
    };
    App::new(settings).expect("a valid pool size")
}

fn frame(ctx: &Context, app: &mut App) -> FullOutput {
    let input = RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1280.0, 800.0),
        )),
        ..RawInput::default()
    };
    let mut output = ctx.run_ui(input, |ui| app.frame_ui(ui));
    // No painter here to upload the font atlas to.
    output.textures_delta.clear();
    output
}

/// How long after it the frame that produced `output` asked for the next.
fn asked_after(output: &FullOutput) -> Duration {
    output.viewport_output[&ViewportId::ROOT].repaint_delay
}

fn steps(steps: u32, delay_ms: u64) -> JobKind {
    JobKind::Demo(DemoJob::Steps(Steps { steps, delay_ms }))
}

/// A new window's first frames size its panels and lay out its fonts.
fn settle(ctx: &Context, app: &mut App) {
    for _ in 0..5 {
        frame(ctx, app);
    }
}

/// Draws a frame, then frames for `span` whenever the app asks for one, as
/// eframe does: requests from other threads arrive through the repaint
/// callback, the frame's own through its output. Returns when each frame
/// began.
fn frames_asked_for(ctx: &Context, app: &mut App, span: Duration) -> Vec<Instant> {
    let (tx, rx) = crossbeam_channel::unbounded();
    ctx.set_request_repaint_callback(move |info| {
        let _ = tx.send(Instant::now() + info.delay);
    });
    let end = Instant::now() + span;
    let mut due = Some(Instant::now());
    let mut began = Vec::new();
    loop {
        let now = Instant::now();
        if now >= end {
            return began;
        }
        if due.is_some_and(|due| due <= now) {
            began.push(now);
            let output = frame(ctx, app);
            due = Instant::now().checked_add(asked_after(&output));
            continue;
        }
        let wait_until = due.map_or(end, |due| due.min(end));
        if let Ok(asked) = rx.recv_deadline(wait_until) {
            due = Some(due.map_or(asked, |due| due.min(asked)));
        }
    }
}

#[test]
fn a_job_reporting_progress_200_times_a_second_is_drawn_about_10_times_a_second() {
    let ctx = Context::default();
    let mut app = app();
    settle(&ctx, &mut app);
    app.push_command(Command::Start(steps(2_000, 5)));
    // A job's start draws at once, and its new row a few frames more
    // (egui styles a widget it has not seen in the next frame): count from
    // when that settled.
    let settled = Instant::now() + Duration::from_millis(300);
    let span = Duration::from_secs(2);
    let began = frames_asked_for(&ctx, &mut app, Duration::from_millis(300) + span);
    let counted = began.iter().filter(|&&at| at >= settled).count();
    let per_sec = counted as f64 / span.as_secs_f64();
    // Ten update slots a second; the clock ticks fall on update slots.
    assert!(
        per_sec <= 12.0,
        "{per_sec} frames a second; progress is drawn at most every {UPDATE_INTERVAL:?}"
    );
    assert!(
        per_sec >= 4.0,
        "{per_sec} frames a second: the bar looks stuck"
    );
}

#[test]
fn a_window_with_nothing_running_asks_for_no_frame() {
    let ctx = Context::default();
    let mut app = app();
    settle(&ctx, &mut app);
    let output = frame(&ctx, &mut app);
    assert_eq!(asked_after(&output), Duration::MAX);
    assert_eq!(output.platform_output.num_completed_passes, 1);
}

#[test]
fn queued_jobs_have_no_clock_so_a_paused_queue_asks_for_no_frame() {
    let ctx = Context::default();
    let mut app = app();
    app.push_command(Command::Pause);
    app.push_command(Command::Start(steps(10, 10)));
    settle(&ctx, &mut app);
    assert_eq!(app.board().count(StateClass::Queued), 1);
    let output = frame(&ctx, &mut app);
    assert_eq!(asked_after(&output), Duration::MAX);
}

#[test]
fn a_running_job_asks_only_for_its_clock_tick_and_an_ended_one_for_nothing() {
    let ctx = Context::default();
    let mut app = app();
    app.push_command(Command::Start(steps(3, 200)));
    settle(&ctx, &mut app);
    wait_until("the job to start", PATIENCE, || {
        frame(&ctx, &mut app);
        app.board().count(StateClass::Running) == 1
    });
    let output = frame(&ctx, &mut app);
    let asked = asked_after(&output);
    assert!(asked <= CLOCK_TICK, "asked for a frame in {asked:?}");
    assert_eq!(output.platform_output.num_completed_passes, 1);
    wait_until("the job to end", PATIENCE, || {
        frame(&ctx, &mut app);
        app.board().count(StateClass::Succeeded) == 1
    });
    // The row's new Remove button takes egui a frame or two to settle.
    let asked: Vec<Duration> = (0..4)
        .map(|_| asked_after(&frame(&ctx, &mut app)))
        .collect();
    assert_eq!(asked[2..], [Duration::MAX, Duration::MAX], "{asked:?}");
}
