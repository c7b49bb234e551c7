//! Small truths of the window: queued rows offer Cancel, Escape and Ctrl+O
//! work the Open job file box, the title carries the progress, and a
//! command's working directory shows as the absolute path it is.

mod common;
#[path = "common/window.rs"]
mod window;

use common::{PATIENCE, wait_until};
use egui::accesskit::Role;
use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use jobdeck::board::StateClass;
use jobdeck::jobs::{DemoJob, Steps};
use jobdeck::jobspec::JobKind;
use jobdeck::ui::App;
use window::{frames, harness, start, step_until, steps};

/// The titles the app sent the window, in order.
fn titles(harness: &Harness<'_, App>) -> Vec<String> {
    harness
        .output()
        .viewport_output
        .get(&egui::ViewportId::ROOT)
        .map(|output| {
            output
                .commands
                .iter()
                .filter_map(|command| match command {
                    egui::ViewportCommand::Title(title) => Some(title.clone()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_queued_row_offers_cancel_and_it_cancels() {
    let mut harness = harness(1);
    start(&mut harness, steps(10_000, 10));
    start(&mut harness, steps(10_000, 10));
    step_until(&mut harness, "the first job to run", |app| {
        app.board().count(StateClass::Running) == 1
    });
    harness.step();
    harness.get_by_label("Stop Steps #1");
    assert!(harness.query_by_label("Stop Steps #2").is_none());
    harness.get_by_label("Cancel Steps #2").click();
    step_until(&mut harness, "the queued job to be cancelled", |app| {
        app.board().count(StateClass::Cancelled) == 1
    });
    harness.get_by_label("Stop all").click();
    step_until(&mut harness, "every job to end", |app| {
        app.board().live_jobs() == 0
    });
}

#[test]
fn ctrl_o_opens_the_job_file_box_and_escape_closes_it() {
    let mut harness = harness(1);
    frames(&mut harness, 2);
    harness.key_press_modifiers(Modifiers::COMMAND, Key::O);
    frames(&mut harness, 3);
    harness.get_by_label("Job file path");
    harness.key_press(Key::Escape);
    frames(&mut harness, 3);
    assert!(
        harness.query_by_label("Job file path").is_none(),
        "Escape closes the box"
    );
    // Escape closes Settings too.
    harness.get_by_label("Settings").click();
    frames(&mut harness, 3);
    harness.get_by_label("Max threads");
    harness.key_press(Key::Escape);
    frames(&mut harness, 3);
    assert!(harness.query_by_label("Max threads").is_none());
}

#[test]
fn the_title_carries_the_progress_while_jobs_run_and_how_the_batch_ended() {
    let mut harness = harness(1);
    start(&mut harness, steps(10_000, 10));
    let mut seen = Vec::new();
    wait_until("a title with the progress", PATIENCE, || {
        harness.step();
        seen.extend(titles(&harness));
        seen.iter()
            .any(|t| t.starts_with("jobdeck — ") && t.ends_with("% · 1 running"))
    });
    harness.get_by_label("Stop all").click();
    wait_until("a title that says the batch stopped", PATIENCE, || {
        harness.step();
        seen.extend(titles(&harness));
        seen.last().map(String::as_str) == Some("jobdeck — stopped: 0 of 1 succeeded")
    });
}

#[test]
fn a_commands_working_directory_shows_as_an_absolute_path() {
    let mut harness = harness(1);
    // Typed relative paths start at the home folder: here, this checkout.
    let here = std::env::current_dir().unwrap();
    harness.state_mut().toolbar_mut().set_home(here.clone());
    harness.state_mut().toolbar_mut().set_command("true", "");
    assert_eq!(harness.state_mut().toolbar_mut().command_dir(), here);
    harness.state_mut().toolbar_mut().set_command("true", "src");
    harness.step();
    harness.get_by_label("Start job").click();
    step_until(&mut harness, "the command to end", |app| {
        app.board().live_jobs() == 0 && !app.board().jobs().is_empty()
    });
    let id = harness.state().board().jobs()[0].id;
    harness.state_mut().select(Some(id));
    frames(&mut harness, 2);
    harness.get_by_label(&here.join("src").display().to_string());
}

#[test]
fn keyboard_only_start_select_stop_retry_and_details() {
    let mut harness = harness(1);
    harness
        .state_mut()
        .toolbar_mut()
        .choose(JobKind::Demo(DemoJob::Steps(Steps {
            steps: 10_000,
            delay_ms: 10,
        })));
    frames(&mut harness, 2);
    // Ctrl+N twice: two jobs, the second queued behind the first.
    for _ in 0..2 {
        harness.key_press_modifiers(Modifiers::COMMAND, Key::N);
        frames(&mut harness, 2);
    }
    assert_eq!(harness.state().board().jobs().len(), 2);
    let ids: Vec<_> = harness
        .state()
        .board()
        .jobs()
        .iter()
        .map(|j| j.id)
        .collect();
    harness.key_press(Key::ArrowDown);
    frames(&mut harness, 2);
    assert_eq!(harness.state().selected(), Some(ids[0]));
    harness.key_press(Key::ArrowDown);
    frames(&mut harness, 2);
    assert_eq!(harness.state().selected(), Some(ids[1]));
    // The details show the selected job's attempt count and state.
    harness.get_by_label("Details");
    harness.get_by_label("Attempt");
    // Delete cancels the queued one...
    harness.key_press(Key::Delete);
    step_until(&mut harness, "the queued job to be cancelled", |app| {
        app.board().count(StateClass::Cancelled) == 1
    });
    // ...and, one row up, stops the running one.
    harness.key_press(Key::ArrowUp);
    frames(&mut harness, 2);
    assert_eq!(harness.state().selected(), Some(ids[0]));
    step_until(&mut harness, "the first job to run", |app| {
        app.board().count(StateClass::Running) == 1
    });
    harness.key_press(Key::Delete);
    step_until(&mut harness, "the running job to stop", |app| {
        app.board().count(StateClass::Stopped) == 1
    });
    // R runs it again; the selection follows it to its new row.
    harness.key_press(Key::R);
    step_until(&mut harness, "the retried job to run", |app| {
        app.board().count(StateClass::Running) == 1
    });
    let selected = harness.state().selected().expect("the selection follows");
    assert_ne!(selected, ids[0]);
    assert_eq!(
        harness
            .state()
            .board()
            .job(selected)
            .unwrap()
            .lifecycle
            .class(),
        StateClass::Running
    );
    harness.get_by_label("Stop all").click();
    step_until(&mut harness, "every job to end", |app| {
        app.board().live_jobs() == 0
    });
}

#[test]
fn the_row_selected_from_the_keyboard_scrolls_into_view() {
    let mut harness = harness(1);
    harness.get_by_label("Pause").click();
    harness
        .state_mut()
        .toolbar_mut()
        .choose(JobKind::Demo(DemoJob::Steps(Steps {
            steps: 10,
            delay_ms: 10,
        })));
    frames(&mut harness, 2);
    for _ in 0..60 {
        harness.key_press_modifiers(Modifiers::COMMAND, Key::N);
        harness.step();
    }
    frames(&mut harness, 2);
    assert_eq!(harness.state().board().jobs().len(), 60);
    assert!(
        harness.query_by_label("Steps #60").is_none(),
        "the last row starts out of view"
    );
    // Up from no selection selects the last row, which scrolls into view.
    harness.key_press(Key::ArrowUp);
    frames(&mut harness, 3);
    harness.get_by_role_and_label(Role::Button, "Steps #60");
    harness.get_by_label("Resume").click();
    step_until(&mut harness, "every job to end", |app| {
        app.board().live_jobs() == 0
    });
}
