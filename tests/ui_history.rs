//! The window's history, driven like a person would: a job file run in one
//! window is there when the next window opens; Retry on one of its jobs
//! and Retry failed run them again; jobs a crash left queued come back
//! paused, with a Resume.

mod common;

use std::path::Path;

use common::{PATIENCE, wait_until};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use jobdeck::board::StateClass;
use jobdeck::history::{History, JobState, Retention, RunId};
use jobdeck::ui::{App, Command, Settings};

fn app(data: &Path, logs: &Path) -> App {
    let settings = Settings {
        max_threads: 2,
        ..Settings::default()
    };
    App::new(settings)
        .expect("a valid pool size")
        .with_log_dir(logs.to_path_buf())
        .with_history(History::open(data, Retention::default()))
}

fn harness_of(app: App) -> Harness<'static, App> {
    Harness::builder()
        .with_size([1280.0, 800.0])
        .build_ui_state(|ui, app: &mut App| app.frame_ui(ui), app)
}

fn step_until(harness: &mut Harness<'_, App>, what: &str, condition: impl Fn(&App) -> bool) {
    wait_until(what, PATIENCE, || {
        harness.step();
        condition(harness.state())
    });
}

/// Runs `jobs.toml` (one job that succeeds, one that fails) in a window
/// that then closes.
fn first_window(data: &Path, logs: &Path, file: &Path) {
    let mut harness = harness_of(app(data, logs));
    harness
        .state_mut()
        .push_command(Command::OpenJobFile(file.to_path_buf()));
    harness.step();
    step_until(&mut harness, "both jobs to end", |app| {
        app.board().jobs().len() == 2 && app.board().live_jobs() == 0
    });
}

fn job_file(dir: &Path) -> std::path::PathBuf {
    let file = dir.join("jobs.toml");
    std::fs::write(
        &file,
        "[[job]]\nname = \"good\"\ncommand = \"true\"\n[[job]]\nname = \"bad\"\ncommand = [\"sh\", \"-c\", \"exit 3\"]\n",
    )
    .unwrap();
    file
}

#[test]
fn a_relaunched_window_shows_the_last_run_and_retries_its_job_file_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let (data, logs) = (dir.path().join("data"), dir.path().join("logs"));
    let file = job_file(dir.path());
    first_window(&data, &logs, &file);

    let mut harness = harness_of(app(&data, &logs));
    harness.step();
    harness.step();
    // The last run, open, apart from the (empty) current batch.
    harness.get_by_label("Run 1 · jobs.toml · 1 succeeded, 1 failed");
    harness.get_by_label("good");
    harness.get_by_label("bad");
    harness.get_by_label("exit 3");
    assert!(harness.state().board().jobs().is_empty());

    // Retry on a job of that run: it runs again here, from its spec.
    harness.get_by_label("Retry bad of run 1").click();
    step_until(&mut harness, "the retried job to fail again", |app| {
        app.board().count(StateClass::Failed) == 1
    });
    assert_eq!(harness.state().board().jobs()[0].name(), "bad");

    // Retry failed runs every failed job of the run (here, the one).
    harness.get_by_label("Retry failed (1)").click();
    step_until(&mut harness, "Retry failed to run it again", |app| {
        app.board().count(StateClass::Failed) == 2
    });
    assert_eq!(harness.state().board().jobs().len(), 2);
    drop(harness);

    // Both retries were recorded in a run of their own that says whence.
    let history = History::open(&data, Retention::default());
    let retries = history
        .run(RunId(2))
        .unwrap()
        .expect("a run for the retries");
    assert_eq!(retries.resumed_from, Some(RunId(1)));
    assert_eq!(retries.file, Some(std::path::absolute(&file).unwrap()));
    let jobs = history.jobs(RunId(2)).unwrap();
    let rows: Vec<(&str, u32, JobState)> = jobs
        .iter()
        .map(|job| (job.name.as_str(), job.seq, job.state))
        .collect();
    assert_eq!(
        rows,
        [("bad", 2, JobState::Failed), ("bad", 2, JobState::Failed)]
    );
}

#[test]
fn jobs_a_crash_left_queued_come_back_paused_with_resume() {
    let dir = tempfile::tempdir().unwrap();
    let (data, logs) = (dir.path().join("data"), dir.path().join("logs"));
    // A window that queued jobs behind a paused queue, then died.
    {
        let mut harness = harness_of(app(&data, &logs));
        harness.state_mut().push_command(Command::Pause);
        harness.step();
        let file = job_file(dir.path());
        harness.state_mut().push_command(Command::OpenJobFile(file));
        harness.step();
        harness.step();
        assert_eq!(harness.state().board().live_jobs(), 2);
        // A crash: its runs stay unended and owned by a process that is
        // gone (made so here by rewriting the owner).
        let conn = rusqlite::Connection::open(data.join("history.sqlite3")).unwrap();
        let mut gone = std::process::Command::new("true").spawn().unwrap();
        let pid = gone.id();
        gone.wait().unwrap();
        wait_until("the run to be recorded", PATIENCE, || {
            conn.execute("UPDATE runs SET owner_pid = ?1", [pid])
                .unwrap()
                > 0
                && conn
                    .query_row("SELECT COUNT(*) FROM jobs", [], |r| r.get::<_, i64>(0))
                    .unwrap()
                    == 2
        });
        std::mem::forget(harness);
    }
    let mut harness = harness_of(app(&data, &logs));
    harness.step();
    harness.step();
    assert!(harness.state().pool().is_paused());
    assert_eq!(harness.state().board().count(StateClass::Queued), 2);
    harness.get_by_label(
        "2 job(s) were still queued when jobdeck stopped: they are queued again, and the queue is paused",
    );
    harness.get_by_label("Resume queued jobs").click();
    step_until(&mut harness, "the jobs to run after Resume", |app| {
        app.board().live_jobs() == 0
    });
    assert_eq!(harness.state().board().count(StateClass::Succeeded), 1);
}

#[test]
fn an_empty_history_leaves_its_room_to_the_job_table() {
    let dir = tempfile::tempdir().unwrap();
    let (data, logs) = (dir.path().join("data"), dir.path().join("logs"));
    let mut harness = harness_of(app(&data, &logs));
    harness.step();
    harness.step();
    assert!(
        harness.query_by_label("Past runs").is_none(),
        "no panel for a history with nothing in it"
    );
    // Once a run is recorded and the window opens again, the panel is back.
    let file = job_file(dir.path());
    first_window(&data, &logs, &file);
    let mut harness = harness_of(app(&data, &logs));
    harness.step();
    harness.step();
    harness.get_by_label("Past runs");
}

/// A past job's long error is cut in its row (whole on hover): the panel
/// keeps its width and the job table its room.
#[test]
fn a_long_error_in_a_past_run_leaves_the_job_table_its_room() {
    let dir = tempfile::tempdir().unwrap();
    let (data, logs) = (dir.path().join("data"), dir.path().join("logs"));
    let file = dir.path().join("long.toml");
    let words = "and then it failed again ".repeat(8);
    std::fs::write(
        &file,
        format!(
            "[[job]]\nname = \"good\"\ncommand = \"true\"\n[[job]]\nname = \"bad\"\n\
             command = [\"sh\", \"-c\", \"echo '{words}' >&2; exit 3\"]\n"
        ),
    )
    .unwrap();
    first_window(&data, &logs, &file);
    let mut harness = harness_of(app(&data, &logs));
    step_until(&mut harness, "the past run's jobs to show", |_| true);
    for _ in 0..4 {
        harness.step();
    }
    harness.get_by_label("bad");
    let table_left = harness.get_by_label("Sort by name").rect().left();
    // The history panel starts 360 points wide (the table's name header then
    // starts near 410); grown to the error's width it would pass 600.
    assert!(
        table_left < 450.0,
        "the job table starts at x = {table_left}: the history panel grew"
    );
}
