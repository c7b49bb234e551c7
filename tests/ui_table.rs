//! The job table as a person uses it: sorting by a column's header,
//! filtering by name and by state, going to the running jobs, long names
//! cut so that columns stay in line, and the row actions on live jobs
//! (pause and resume, a queued job's priority).

// Positions and progress compare exactly: columns in line share an x to the
// bit, and a held job's progress does not move at all.
#![allow(clippy::float_cmp)]

mod common;
#[path = "common/window.rs"]
mod window;

use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::Key;
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use jobdeck::board::{Board, StateClass};
use jobdeck::engine::{Event, EventKind, JobId, Outcome, Output};
use jobdeck::jobspec::{JobKind, JobSpec};
use jobdeck::ui::{App, Settings};
use window::{frames, harness, harness_of, start, step_until, steps};

/// A window over a board of jobs with these names, queued, then moved
/// along by `events` as the engine would; no job runs.
fn board_window(
    names: &[&str],
    events: impl FnOnce(&[JobId]) -> Vec<(JobId, EventKind)>,
) -> (Harness<'static, App>, Vec<JobId>) {
    let now = Instant::now();
    let mut board = Board::new_at(now);
    let ids: Vec<JobId> = names.iter().map(|_| JobId::new()).collect();
    for (name, &id) in names.iter().zip(&ids) {
        let spec = JobSpec::new(*name, JobKind::Demo(steps(10, 10)));
        board.add_job(id, Arc::new(spec), now);
    }
    for (job, kind) in events(&ids) {
        board.apply_at(Event { job, kind }, now);
    }
    let app = App::with_board(Settings::default(), board).expect("a pool");
    let mut harness = harness_of(app);
    frames(&mut harness, 2);
    (harness, ids)
}

fn started(worker: usize) -> EventKind {
    EventKind::Started {
        worker: Some(worker),
        attempt: 1,
    }
}

fn no_events(_: &[JobId]) -> Vec<(JobId, EventKind)> {
    Vec::new()
}

/// The names of the rows on screen, top to bottom.
fn rows_shown(harness: &Harness<'_, App>, names: &[&str]) -> Vec<String> {
    let mut shown: Vec<(f32, String)> = names
        .iter()
        .filter_map(|name| {
            let node = harness.query_by_role_and_label(Role::Button, name)?;
            Some((node.rect().top(), (*name).to_owned()))
        })
        .collect();
    shown.sort_by(|a, b| a.0.total_cmp(&b.0));
    shown.into_iter().map(|(_, name)| name).collect()
}

fn selected_name(harness: &Harness<'_, App>) -> Option<String> {
    let app = harness.state();
    let id = app.selected()?;
    Some(app.board().job(id)?.name().to_owned())
}

#[test]
fn a_header_click_sorts_by_the_column_naturally_and_again_reverses() {
    let names = ["walk 10", "walk 2", "walk 1", "walk 11"];
    let (mut harness, _) = board_window(&names, no_events);
    assert_eq!(
        rows_shown(&harness, &names),
        names,
        "submission order first"
    );
    harness.get_by_label("Sort by name").click();
    frames(&mut harness, 2);
    assert_eq!(
        rows_shown(&harness, &names),
        ["walk 1", "walk 2", "walk 10", "walk 11"]
    );
    // Up and Down go through the rows in the order shown.
    harness.key_press(Key::ArrowDown);
    harness.key_press(Key::ArrowDown);
    frames(&mut harness, 2);
    assert_eq!(selected_name(&harness).as_deref(), Some("walk 2"));
    harness.key_press(Key::ArrowDown);
    frames(&mut harness, 2);
    assert_eq!(selected_name(&harness).as_deref(), Some("walk 10"));
    harness.get_by_label("Sort by name").click();
    frames(&mut harness, 2);
    assert_eq!(
        rows_shown(&harness, &names),
        ["walk 11", "walk 10", "walk 2", "walk 1"]
    );
    harness.get_by_label("Sort by name").click();
    frames(&mut harness, 2);
    assert_eq!(rows_shown(&harness, &names), names, "and back");
}

#[test]
fn the_filter_box_and_a_state_chip_choose_the_rows_shown() {
    let names = ["alpha 1", "beta 2", "Alpha 3", "alpha 4"];
    let (mut harness, _) = board_window(&names, |ids| {
        let done = EventKind::Finished(Outcome::Succeeded(Output::text("ok")));
        vec![(ids[2], started(0)), (ids[3], started(1)), (ids[2], done)]
    });
    // A state chip: only the succeeded job.
    harness.get_by_label("Show succeeded jobs").click();
    frames(&mut harness, 2);
    assert_eq!(rows_shown(&harness, &names), ["Alpha 3"]);
    harness.get_by_label("1 of 4 jobs shown");
    // A second chip adds its jobs.
    harness.get_by_label("Show queued jobs").click();
    frames(&mut harness, 2);
    assert_eq!(
        rows_shown(&harness, &names),
        ["alpha 1", "beta 2", "Alpha 3"]
    );
    // Down from no selection goes through the rows shown only.
    for _ in 0..3 {
        harness.key_press(Key::ArrowDown);
        harness.step();
    }
    frames(&mut harness, 2);
    assert_eq!(selected_name(&harness).as_deref(), Some("Alpha 3"));
    harness.get_by_label("Clear filter").click();
    frames(&mut harness, 2);
    assert_eq!(rows_shown(&harness, &names), names);
    // The name filter, whatever the case.
    let entry = harness.get_by_label("Filter");
    entry.focus();
    entry.type_text("ALPHA");
    frames(&mut harness, 2);
    assert_eq!(
        rows_shown(&harness, &names),
        ["alpha 1", "Alpha 3", "alpha 4"]
    );
    harness.get_by_label("3 of 4 jobs shown");
}

#[test]
fn go_to_running_selects_a_running_job_off_screen_and_shows_it() {
    let names: Vec<String> = (1..=100).map(|i| format!("job {i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let (mut harness, ids) = board_window(&names, |ids| vec![(ids[79], started(0))]);
    assert!(
        harness
            .query_by_role_and_label(Role::Button, "job 80")
            .is_none()
    );
    harness.get_by_label("Go to running jobs").click();
    frames(&mut harness, 3);
    assert_eq!(harness.state().selected(), Some(ids[79]));
    harness.get_by_role_and_label(Role::Button, "job 80");
}

#[test]
fn a_long_name_is_cut_so_the_columns_stay_in_line_and_shows_whole_on_hover() {
    let long = format!("compress {}", "very-long-file-name-".repeat(12));
    let names = ["short", long.as_str()];
    let (mut harness, _) = board_window(&names, no_events);
    let left = |harness: &Harness<'_, App>, name: &str| {
        harness
            .get_by_label(&format!("Progress of {name}"))
            .rect()
            .left()
    };
    assert_eq!(left(&harness, "short"), left(&harness, &long));
    let name = harness.get_by_role_and_label(Role::Button, &long);
    assert!(name.rect().width() < 200.0, "the name is cut to its column");
    name.hover();
    frames(&mut harness, 3);
    let tooltip = harness.get_all_by_label_contains(&long).count();
    assert!(tooltip >= 2, "the whole name shows on hover");
}

#[test]
fn pause_then_resume_on_a_row_holds_the_job_and_lets_it_go_on() {
    let mut harness = harness(1);
    start(&mut harness, steps(10_000, 5));
    step_until(&mut harness, "the job to make progress", |app| {
        app.board().jobs()[0].progress > 0.0
    });
    harness.get_by_label("Pause Steps #1").click();
    step_until(&mut harness, "the row to say paused", |app| {
        app.board().count(StateClass::Paused) == 1
    });
    harness.step();
    harness.get_by_label("paused");
    // Held at its checkpoint: it reports nothing new, although 5 ms steps
    // would have moved it some 40 steps meanwhile.
    frames(&mut harness, 2);
    let held = harness.state().board().jobs()[0].progress;
    let until = Instant::now() + Duration::from_millis(200);
    while Instant::now() < until {
        harness.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(harness.state().board().jobs()[0].progress, held);
    harness.get_by_label("Resume Steps #1").click();
    step_until(&mut harness, "the job to go on", |app| {
        let job = &app.board().jobs()[0];
        job.lifecycle.class() == StateClass::Running && job.progress > held
    });
    // The same from the keyboard: P on the selected row.
    harness.key_press(Key::ArrowDown);
    harness.key_press(Key::P);
    step_until(&mut harness, "P to pause it", |app| {
        app.board().count(StateClass::Paused) == 1
    });
    harness.key_press(Key::P);
    step_until(&mut harness, "P to resume it", |app| {
        app.board().count(StateClass::Running) == 1
    });
    harness.get_by_label("Stop all").click();
    step_until(&mut harness, "every job to end", |app| {
        app.board().live_jobs() == 0
    });
}

#[test]
fn a_raised_priority_starts_a_queued_job_before_those_ahead_of_it() {
    let mut harness = harness(1);
    for _ in 0..3 {
        start(&mut harness, steps(10_000, 10));
    }
    step_until(&mut harness, "the first job to run", |app| {
        app.board().count(StateClass::Running) == 1
    });
    harness.step();
    harness.get_by_label("Raise priority of Steps #3").click();
    step_until(&mut harness, "the raise to show", |app| {
        app.board().jobs()[2].priority == 1
    });
    harness.get_by_label("Stop Steps #1").click();
    step_until(&mut harness, "the next job to start", |app| {
        app.board().count(StateClass::Running) == 1 && app.board().jobs()[0].lifecycle.is_ended()
    });
    let running: Vec<&str> = harness
        .state()
        .board()
        .jobs()
        .iter()
        .filter(|job| job.lifecycle.class() == StateClass::Running)
        .map(jobdeck::board::JobView::name)
        .collect();
    assert_eq!(running, ["Steps #3"], "the raised job went first");
    // Lowering from the keyboard: - on the selected queued row.
    harness.key_press(Key::ArrowDown);
    harness.key_press(Key::ArrowDown);
    harness.key_press(Key::Minus);
    step_until(&mut harness, "- to lower Steps #2", |app| {
        app.board().jobs()[1].priority == -1
    });
    harness.get_by_label("Stop all").click();
    step_until(&mut harness, "every job to end", |app| {
        app.board().live_jobs() == 0
    });
}
