//! The window, driven like a person (or a screen reader) would: widgets are
//! found by their labels and clicked; the real app state runs real jobs.

mod common;
#[path = "common/window.rs"]
mod window;

use std::time::Duration;

use common::{PATIENCE, wait_until};
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use jobdeck::board::StateClass;
use jobdeck::jobs::{DemoJob, FlakyDivision};
use jobdeck::ui::App;
use window::{app, frames, harness, harness_of, start, step_until, steps};

fn class_of_first(app: &App) -> Option<StateClass> {
    app.board().jobs().first().map(|job| job.lifecycle.class())
}

#[test]
fn start_job_adds_a_row_whose_progress_advances() {
    let mut harness = harness(2);
    start(&mut harness, steps(100, 20));
    assert_eq!(harness.state().board().jobs().len(), 1);
    harness.get_by_label("Steps #1");
    step_until(&mut harness, "the row's progress to advance", |app| {
        app.board().jobs()[0].progress > 0.1
    });
    harness.step();
    let shown = harness
        .get_by_label("Progress of Steps #1")
        .accesskit_node()
        .numeric_value()
        .expect("the progress bar exposes its value");
    assert!(shown > 10.0, "the bar shows {shown}%");
}

#[test]
fn stop_on_a_row_ends_its_job_as_stopped() {
    let mut harness = harness(2);
    start(&mut harness, steps(10_000, 10));
    step_until(&mut harness, "the job to run", |app| {
        class_of_first(app) == Some(StateClass::Running)
    });
    harness.get_by_label("Stop Steps #1").click();
    step_until(&mut harness, "the job to be stopped", |app| {
        class_of_first(app) == Some(StateClass::Stopped)
    });
    harness.step();
    harness.get_by_label("stopped");
    harness.get_by_label("Retry Steps #1");
}

#[test]
fn stop_all_stops_running_jobs_and_cancels_queued_ones() {
    let mut harness = harness(1);
    for _ in 0..3 {
        start(&mut harness, steps(10_000, 10));
    }
    step_until(&mut harness, "the first job to run", |app| {
        class_of_first(app) == Some(StateClass::Running)
    });
    harness.get_by_label("Stop all").click();
    step_until(&mut harness, "every job to end", |app| {
        app.board().live_jobs() == 0
    });
    let board = harness.state().board();
    assert_eq!(board.count(StateClass::Stopped), 1);
    assert_eq!(board.count(StateClass::Cancelled), 2);
}

#[test]
fn pause_holds_queued_jobs_until_resume() {
    let mut harness = harness(2);
    harness.get_by_label("Pause").click();
    harness.step();
    assert!(harness.state().pool().is_paused());
    for _ in 0..3 {
        start(&mut harness, steps(3, 5));
    }
    let held_until = std::time::Instant::now() + Duration::from_millis(300);
    while std::time::Instant::now() < held_until {
        harness.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(harness.state().board().count(StateClass::Queued), 3);
    harness.get_by_label("Resume").click();
    step_until(&mut harness, "all three to succeed", |app| {
        app.board().count(StateClass::Succeeded) == 3
    });
}

#[test]
fn max_threads_in_settings_changes_the_engines_cap() {
    let mut harness = harness(2);
    harness.get_by_label("Settings").click();
    frames(&mut harness, 3);
    harness.get_by_label("Max threads").set_value_accesskit(7.0);
    frames(&mut harness, 2);
    assert_eq!(harness.state().pool().max_threads(), 7);
    assert_eq!(harness.state().settings().max_threads, 7);
}

/// The mean of the board's jobs, an ended one counting as complete, in
/// percent: what the overall bar must show while no row was removed.
fn batch_mean_percent(app: &App) -> f64 {
    let jobs = app.board().jobs();
    let sum: f64 = jobs
        .iter()
        .map(|job| {
            if job.lifecycle.is_ended() {
                1.0
            } else {
                f64::from(job.progress)
            }
        })
        .sum();
    sum / jobs.len().max(1) as f64 * 100.0
}

fn overall_node_value(harness: &Harness<'_, App>) -> (f64, String) {
    let node = harness.get_by_label("Overall progress").accesskit_node();
    let number = node
        .numeric_value()
        .expect("the overall bar exposes its value");
    (number, node.value().unwrap_or_default())
}

#[test]
fn the_overall_bar_is_the_batch_mean_and_drops_when_jobs_join() {
    let mut harness = harness(3);
    // Paused, so that both first jobs join before the batch begins.
    harness.get_by_label("Pause").click();
    harness.step();
    // Long enough that the first two are still far from done when the
    // third joins, however slow the machine's frames.
    start(&mut harness, steps(300, 10));
    start(&mut harness, steps(300, 10));
    harness.get_by_label("Resume").click();
    step_until(&mut harness, "the first jobs to be under way", |app| {
        app.board().jobs().iter().all(|job| job.progress > 0.1)
    });
    let (before, _) = overall_node_value(&harness);
    assert!((before - batch_mean_percent(harness.state())).abs() < 0.01);
    assert!(before > 0.0);
    // A third job joins the running batch: the bar goes down to the mean.
    start(&mut harness, steps(30, 10));
    harness.get_by_label("+1 job");
    let (after, _) = overall_node_value(&harness);
    let jobs = harness.state().board().jobs();
    let first_two = jobs[..2]
        .iter()
        .map(|job| f64::from(job.progress) * 50.0)
        .sum::<f64>();
    assert!(
        after < first_two,
        "the bar shows {after}%, not below the first two jobs' {first_two}%"
    );
    let mut frames = 0;
    wait_until("the batch to finish", PATIENCE, || {
        harness.step();
        frames += 1;
        let (shown, _) = overall_node_value(&harness);
        let mean = batch_mean_percent(harness.state());
        assert!(
            (shown - mean).abs() < 0.01,
            "the bar shows {shown}% but the batch's mean is {mean}%"
        );
        harness.state().board().live_jobs() == 0
    });
    assert!(frames > 5, "only {frames} frames: the test saw too little");
    harness.step();
    let (shown, words) = overall_node_value(&harness);
    assert!((shown - 100.0).abs() < 1e-9, "a done batch shows {shown}%");
    assert_eq!(words, "100%  done: 3 of 3 succeeded");
}

#[test]
fn a_batch_ended_by_stop_all_says_stopped_never_done() {
    let mut harness = harness(1);
    for _ in 0..3 {
        start(&mut harness, steps(10_000, 10));
    }
    step_until(&mut harness, "the first job to run", |app| {
        class_of_first(app) == Some(StateClass::Running)
    });
    harness.get_by_label("Stop all").click();
    step_until(&mut harness, "every job to end", |app| {
        app.board().live_jobs() == 0
    });
    harness.step();
    let (_, words) = overall_node_value(&harness);
    assert_eq!(words, "stopped: 0 of 3 succeeded");
}

#[test]
fn a_failing_flaky_division_job_shows_its_error_in_the_details() {
    let mut harness = harness(2);
    // More than 30 steps always reaches 2 / (30 - 30).
    start(
        &mut harness,
        DemoJob::FlakyDivision(FlakyDivision {
            min_steps: 35,
            max_steps: 40,
            delay_ms: 1,
            seed: Some(7),
        }),
    );
    step_until(&mut harness, "the job to fail", |app| {
        class_of_first(app) == Some(StateClass::Failed)
    });
    // The plot's legend names the job too, as a checkbox; the row is a button.
    harness
        .get_by_role_and_label(Role::Button, "Flaky division #1")
        .click();
    frames(&mut harness, 2);
    harness.get_by_label("division by zero at step 30: 2 / (30 - 30)");
}

/// Opens `path` through the toolbar's Open job file window, as a person would.
fn open_job_file(harness: &mut Harness<'_, App>, path: &std::path::Path) {
    harness.get_by_label("Open job file").click();
    frames(harness, 3);
    let entry = harness.get_by_label("Job file path");
    entry.focus();
    frames(harness, 1);
    harness
        .get_by_label("Job file path")
        .type_text(path.to_str().expect("a UTF-8 temp path"));
    frames(harness, 1);
    harness.get_by_label("Open").click();
    frames(harness, 2);
}

#[test]
fn opening_a_job_file_starts_its_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.toml");
    std::fs::write(
        &path,
        "[[job]]\nname = \"tiny {#}\"\nkind = \"steps\"\ncount = 2\nsteps = 3\ndelay_ms = 5\n",
    )
    .unwrap();
    let mut harness = harness(2);
    open_job_file(&mut harness, &path);
    assert_eq!(harness.state().error(), None);
    assert_eq!(harness.state().board().jobs().len(), 2);
    step_until(&mut harness, "both jobs of the file to succeed", |app| {
        app.board().count(StateClass::Succeeded) == 2
    });
    harness.get_by_role_and_label(Role::Button, "tiny 1");
    harness.get_by_role_and_label(Role::Button, "tiny 2");
}

#[test]
fn retry_runs_a_job_from_a_job_file_again_with_its_spec() {
    let dir = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.toml");
    // Runs in the file's folder: fails until `ready` is there.
    std::fs::write(
        &path,
        "[[job]]\nname = \"needs ready\"\ncommand = [\"test\", \"-f\", \"ready\"]\n",
    )
    .unwrap();
    let mut harness = harness_of(app(2).with_log_dir(logs.path().to_owned()));
    open_job_file(&mut harness, &path);
    step_until(&mut harness, "the job to fail", |app| {
        class_of_first(app) == Some(StateClass::Failed)
    });
    let failed = harness.state().board().jobs()[0].id;
    std::fs::write(dir.path().join("ready"), "").unwrap();
    harness.step();
    harness.get_by_label("Retry needs ready").click();
    step_until(&mut harness, "the retried job to succeed", |app| {
        class_of_first(app) == Some(StateClass::Succeeded)
    });
    let board = harness.state().board();
    assert_eq!(board.jobs().len(), 1, "the retry took the old row's place");
    assert_ne!(board.jobs()[0].id, failed);
    assert_eq!(board.jobs()[0].name(), "needs ready");
}

#[test]
fn a_job_files_max_threads_holds_while_its_jobs_run_and_leaves_the_saved_setting() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.toml");
    std::fs::write(
        &path,
        "max_threads = 3\n[[job]]\nname = \"nap {#}\"\nkind = \"steps\"\ncount = 3\nsteps = 20\ndelay_ms = 10\n",
    )
    .unwrap();
    let mut harness = harness(2);
    open_job_file(&mut harness, &path);
    assert_eq!(harness.state().pool().max_threads(), 3, "the file's cap");
    assert_eq!(harness.state().settings().max_threads, 2, "the person's");
    let mut storage = MemoryStorage::default();
    eframe::App::save(harness.state_mut(), &mut storage);
    assert_eq!(App::from_storage(Some(&storage)).settings().max_threads, 2);
    step_until(
        &mut harness,
        "the file's jobs to end and the cap to return",
        |app| app.board().count(StateClass::Succeeded) == 3 && app.pool().max_threads() == 2,
    );
}

#[test]
fn a_job_files_halt_ends_its_own_batch_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.toml");
    std::fs::write(
        &path,
        "halt = \"now,fail=1\"\n\
         [[job]]\nname = \"fails\"\ncommand = \"exit 1\"\nshell = true\n\
         [[job]]\nname = \"slow {#}\"\nkind = \"steps\"\ncount = 5\nsteps = 500\ndelay_ms = 10\n",
    )
    .unwrap();
    let mut harness = harness_of(app(2).with_log_dir(logs.path().to_owned()));
    // A job of the person's own, outside the file: the file's policy leaves
    // it alone.
    start(&mut harness, steps(500, 10));
    open_job_file(&mut harness, &path);
    step_until(&mut harness, "the file's batch to halt", |app| {
        app.halted().is_some() && app.board().live_jobs() == 1
    });
    let app = harness.state();
    let halted = app.halted().unwrap().to_owned();
    assert!(
        halted.contains("halted (now,fail=1): \"fails\" failed (exited with code 1)"),
        "{halted}"
    );
    let board = app.board();
    assert_eq!(board.count(StateClass::Failed), 1);
    assert_eq!(
        board.count(StateClass::Stopped) + board.count(StateClass::Cancelled),
        5,
        "every other job of the file"
    );
    assert_eq!(
        class_of_first(app),
        Some(StateClass::Running),
        "the person's job"
    );
    frames(&mut harness, 1);
    harness.get_by_label(&halted);
}

#[test]
fn a_bad_job_file_shows_where_it_is_wrong_and_starts_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, "[[job]]\ncomand = \"echo hi\"\n").unwrap();
    let mut harness = harness(2);
    open_job_file(&mut harness, &path);
    let error = harness
        .state()
        .error()
        .expect("an error is shown")
        .to_owned();
    assert!(error.contains("bad.toml:2:1:"), "{error}");
    assert!(harness.state().board().jobs().is_empty());
    frames(&mut harness, 1);
    // Once in the Open job file window and once under the overall bar.
    assert_eq!(harness.get_all_by_label(&error).count(), 2);
}

#[test]
fn a_command_job_from_the_toolbar_runs_and_reports_progress() {
    let logs = tempfile::tempdir().unwrap();
    let mut harness = harness_of(app(2).with_log_dir(logs.path().to_owned()));
    harness
        .state_mut()
        .toolbar_mut()
        .set_command("sh -c 'echo 50%; echo finished'", "");
    harness.step();
    harness.get_by_label("Start job").click();
    frames(&mut harness, 2);
    step_until(&mut harness, "the command to succeed", |app| {
        class_of_first(app) == Some(StateClass::Succeeded)
    });
    let job = &harness.state().board().jobs()[0];
    assert_eq!(job.spec.kind.key(), "command");
    let name = job.name().to_owned();
    assert!(name.starts_with("sh -c"), "{name}");
    harness.get_by_role_and_label(Role::Button, &name).click();
    frames(&mut harness, 2);
    let job = &harness.state().board().jobs()[0];
    assert!(
        job.log.lines().any(|line| line == "finished"),
        "{:?}",
        job.log
    );
    // The full log went where the app was told, not to the user's folder.
    let full_log = logs.path().join(format!("{}.log", job.id));
    harness.get_by_label(&format!("Full log: {}", full_log.display()));
    let written = std::fs::read_to_string(&full_log).unwrap();
    assert!(
        written.lines().any(|line| line == "finished"),
        "{written:?}"
    );
}

/// Asks to close the window, as the window manager's close button would.
fn request_close(harness: &mut Harness<'_, App>) {
    harness
        .input_mut()
        .viewports
        .entry(egui::ViewportId::ROOT)
        .or_default()
        .events
        .push(egui::ViewportEvent::Close);
    harness.step();
}

fn window_commands(harness: &Harness<'_, App>) -> Vec<egui::ViewportCommand> {
    harness
        .output()
        .viewport_output
        .get(&egui::ViewportId::ROOT)
        .map(|output| output.commands.clone())
        .unwrap_or_default()
}

#[test]
fn closing_while_jobs_run_asks_first_and_stops_them_when_confirmed() {
    let mut harness = harness(2);
    start(&mut harness, steps(10_000, 10));
    step_until(&mut harness, "the job to run", |app| {
        class_of_first(app) == Some(StateClass::Running)
    });

    request_close(&mut harness);
    assert!(window_commands(&harness).contains(&egui::ViewportCommand::CancelClose));
    frames(&mut harness, 2);
    harness.get_by_label("Keep running").click();
    frames(&mut harness, 2);
    assert!(harness.query_by_label("Keep running").is_none());
    assert_eq!(class_of_first(harness.state()), Some(StateClass::Running));

    request_close(&mut harness);
    frames(&mut harness, 2);
    harness.get_by_label("Stop jobs and quit").click();
    harness.step();
    assert!(window_commands(&harness).contains(&egui::ViewportCommand::Close));
    step_until(&mut harness, "the job to stop", |app| {
        class_of_first(app) == Some(StateClass::Stopped)
    });
}

#[test]
fn closing_with_nothing_running_needs_no_confirmation() {
    let mut harness = harness(2);
    frames(&mut harness, 2);
    request_close(&mut harness);
    assert!(!window_commands(&harness).contains(&egui::ViewportCommand::CancelClose));
    frames(&mut harness, 2);
    assert!(harness.query_by_label("Stop jobs and quit").is_none());
}

/// eframe's storage, in memory.
#[derive(Default)]
struct MemoryStorage(std::collections::HashMap<String, String>);

impl eframe::Storage for MemoryStorage {
    fn get_string(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }

    fn set_string(&mut self, key: &str, value: String) {
        self.0.insert(key.to_owned(), value);
    }

    fn remove_string(&mut self, key: &str) {
        self.0.remove(key);
    }

    fn flush(&mut self) {}
}

#[test]
fn settings_changed_in_the_window_are_there_at_the_next_launch() {
    let mut harness = harness(2);
    harness.get_by_label("Settings").click();
    frames(&mut harness, 3);
    harness.get_by_label("Max threads").set_value_accesskit(5.0);
    harness
        .get_by_label("Stop grace period")
        .set_value_accesskit(1.5);
    frames(&mut harness, 2);
    let mut storage = MemoryStorage::default();
    eframe::App::save(harness.state_mut(), &mut storage);

    let relaunched = App::from_storage(Some(&storage));
    assert_eq!(relaunched.settings().max_threads, 5);
    assert!((relaunched.settings().stop_grace_secs - 1.5).abs() < 1e-9);
    assert_eq!(relaunched.pool().max_threads(), 5);
}

/// A file dropped on the window from the file manager.
#[derive(Debug)]
struct Dropped(std::path::PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &std::path::Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|err| err.to_string())
    }
}

#[test]
fn dropping_a_job_file_on_the_window_starts_its_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dropped.toml");
    std::fs::write(
        &path,
        "[[job]]\nname = \"dropped\"\nkind = \"steps\"\nsteps = 2\ndelay_ms = 5\n",
    )
    .unwrap();
    let mut harness = harness(2);
    harness
        .input_mut()
        .dropped_files
        .push(std::sync::Arc::new(Dropped(path)));
    frames(&mut harness, 2);
    assert_eq!(harness.state().error(), None);
    step_until(&mut harness, "the dropped file's job to succeed", |app| {
        class_of_first(app) == Some(StateClass::Succeeded)
    });
    harness.get_by_role_and_label(Role::Button, "dropped");
}

#[test]
fn every_control_has_a_name_a_screen_reader_can_read() {
    let mut harness = harness(2);
    start(&mut harness, steps(10_000, 10));
    start(&mut harness, steps(1, 1));
    step_until(&mut harness, "one job running and one ended", |app| {
        app.board().count(StateClass::Running) == 1 && app.board().count(StateClass::Succeeded) == 1
    });
    harness
        .get_by_role_and_label(Role::Button, "Steps #2")
        .click();
    harness.get_by_label("Settings").click();
    frames(&mut harness, 3);
    harness.get_by_label("Open job file").click();
    frames(&mut harness, 3);
    harness.check_accessibility();
    harness.state_mut().toolbar_mut().set_command("true", "");
    frames(&mut harness, 2);
    harness.get_by_label("Command line");
    harness.get_by_label("Working directory");
    harness.check_accessibility();
}
