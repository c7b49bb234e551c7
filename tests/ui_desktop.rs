//! The window as a desktop citizen, without a desktop: the file dialog is
//! a scripted picker and notifications go to a channel, so these tests
//! need neither a portal nor D-Bus; `desktop::file_dialog` and
//! `desktop::notify` are the real ones behind the same seams.

mod common;

use std::path::Path;
use std::sync::{Arc, Mutex};

use common::{PATIENCE, wait_until};
use crossbeam_channel::{Receiver, Sender};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use jobdeck::board::StateClass;
use jobdeck::desktop::file_dialog::{FilePicker, PickWhat, Picked, Wake};
use jobdeck::desktop::notify::Notice;
use jobdeck::jobs::{DemoJob, Steps};
use jobdeck::jobspec::JobKind;
use jobdeck::ui::{App, Settings};

/// What each dialog was asked for, and where it started.
type Asked = Arc<Mutex<Vec<(PickWhat, Option<std::path::PathBuf>)>>>;

/// Answers every dialog with `answer` at once, and remembers what was
/// asked for and where the dialog started.
struct Scripted {
    answer: Picked,
    asked: Asked,
}

impl FilePicker for Scripted {
    fn pick(&self, what: PickWhat, start_in: Option<&Path>, wake: Wake) -> Receiver<Picked> {
        self.asked
            .lock()
            .unwrap()
            .push((what, start_in.map(Path::to_path_buf)));
        let (send, answer) = crossbeam_channel::bounded(1);
        send.send(self.answer.clone()).unwrap();
        wake();
        answer
    }
}

fn harness_with(app: App) -> Harness<'static, App> {
    Harness::builder()
        .with_size([1280.0, 800.0])
        .build_ui_state(|ui, app: &mut App| app.frame_ui(ui), app)
}

fn app() -> App {
    App::new(Settings {
        max_threads: 2,
        ..Settings::default()
    })
    .expect("a valid pool size")
}

/// A window whose dialogs all answer `answer`; typed paths start at `home`.
fn with_picker(answer: Picked, home: &Path) -> (Harness<'static, App>, Asked) {
    let asked = Arc::default();
    let picker = Scripted {
        answer,
        asked: Arc::clone(&asked),
    };
    let app = app()
        .with_file_picker(Box::new(picker))
        .with_home_dir(home.to_path_buf());
    (harness_with(app), asked)
}

fn frames(harness: &mut Harness<'_, App>, frames: usize) {
    for _ in 0..frames {
        harness.step();
    }
}

fn step_until(harness: &mut Harness<'_, App>, what: &str, condition: impl Fn(&App) -> bool) {
    wait_until(what, PATIENCE, || {
        harness.step();
        condition(harness.state())
    });
}

fn job_file(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("jobs.toml");
    std::fs::write(
        &path,
        "[[job]]\nname = \"picked {#}\"\nkind = \"steps\"\ncount = 2\nsteps = 2\ndelay_ms = 1\n",
    )
    .unwrap();
    path
}

#[test]
fn browse_opens_the_job_file_chosen_in_the_dialog() {
    let dir = tempfile::tempdir().unwrap();
    let path = job_file(dir.path());
    let (mut harness, asked) = with_picker(Picked::Chosen(path.clone()), dir.path());
    harness.get_by_label("Open job file").click();
    frames(&mut harness, 3);
    harness.get_by_label("Browse…").click();
    step_until(&mut harness, "the chosen file's jobs", |app| {
        app.board().jobs().len() == 2
    });
    assert_eq!(harness.state().error(), None);
    // The dialog was asked for a job file, starting at home.
    assert_eq!(
        *asked.lock().unwrap(),
        [(PickWhat::JobFile, Some(dir.path().to_path_buf()))]
    );
}

#[test]
fn without_a_dialog_the_box_says_so_and_a_typed_relative_path_opens_from_home() {
    let home = tempfile::tempdir().unwrap();
    job_file(home.path());
    let (mut harness, _) = with_picker(
        Picked::Unavailable("no file dialog here: no session bus".to_owned()),
        home.path(),
    );
    harness.get_by_label("Open job file").click();
    frames(&mut harness, 3);
    harness.get_by_label("Browse…").click();
    frames(&mut harness, 3);
    harness.get_by_label("no file dialog here: no session bus. Type the path instead.");
    harness.get_by_label(&format!(
        "A relative path is relative to {}",
        home.path().display()
    ));
    let entry = harness.get_by_label("Job file path");
    entry.focus();
    frames(&mut harness, 1);
    harness.get_by_label("Job file path").type_text("jobs.toml");
    frames(&mut harness, 2);
    harness.get_by_label(&format!(
        "Opens {} (relative to {})",
        home.path().join("jobs.toml").display(),
        home.path().display()
    ));
    harness.get_by_label("Open").click();
    step_until(&mut harness, "the typed file's jobs", |app| {
        app.board().jobs().len() == 2
    });
    assert_eq!(harness.state().error(), None);
}

#[test]
fn the_working_directory_comes_from_the_folder_dialog_or_is_typed_from_home() {
    let home = tempfile::tempdir().unwrap();
    let chosen = tempfile::tempdir().unwrap();
    let (mut harness, asked) = with_picker(Picked::Chosen(chosen.path().into()), home.path());
    harness.state_mut().toolbar_mut().set_command("true", "");
    frames(&mut harness, 2);
    // Empty: the home folder, shown as the absolute path it is.
    assert_eq!(harness.state_mut().toolbar_mut().command_dir(), home.path());
    harness.get_by_label("Choose…").click();
    frames(&mut harness, 3);
    assert_eq!(
        harness.state_mut().toolbar_mut().command_cwd,
        chosen.path().display().to_string()
    );
    assert_eq!(asked.lock().unwrap()[0].0, PickWhat::Directory);

    std::fs::create_dir(home.path().join("work")).unwrap();
    harness
        .state_mut()
        .toolbar_mut()
        .set_command("true", "work");
    frames(&mut harness, 2);
    let shown = home.path().join("work");
    harness.get_by_label(&format!("= {}", shown.display()));
    assert_eq!(harness.state_mut().toolbar_mut().command_dir(), shown);
}

#[test]
fn no_folder_dialog_is_said_and_the_typed_directory_stays() {
    let home = tempfile::tempdir().unwrap();
    let (mut harness, _) = with_picker(
        Picked::Unavailable("no file dialog here: no session bus".to_owned()),
        home.path(),
    );
    harness
        .state_mut()
        .toolbar_mut()
        .set_command("true", "/tmp");
    frames(&mut harness, 2);
    harness.get_by_label("Choose…").click();
    frames(&mut harness, 3);
    assert_eq!(
        harness.state().error(),
        Some("no file dialog here: no session bus. Type the working directory instead.")
    );
    assert_eq!(harness.state_mut().toolbar_mut().command_cwd, "/tmp");
}

/// A window whose notices go to the returned channel.
fn with_notices(settings: Settings) -> (Harness<'static, App>, Receiver<Notice>) {
    let (send, notices): (Sender<Notice>, _) = crossbeam_channel::unbounded();
    let app = App::new(settings)
        .expect("a valid pool size")
        .with_notifier(Box::new(send));
    (harness_with(app), notices)
}

fn run_one_job(harness: &mut Harness<'_, App>) {
    let job = DemoJob::Steps(Steps {
        steps: 2,
        delay_ms: 1,
    });
    harness.state_mut().toolbar_mut().choose(JobKind::Demo(job));
    harness.step();
    harness.get_by_label("Start job").click();
    step_until(harness, "the job to succeed", |app| {
        app.board().count(StateClass::Succeeded) == 1
    });
    frames(harness, 5);
}

#[test]
fn a_batch_that_ends_sends_exactly_one_notification() {
    let (mut harness, notices) = with_notices(Settings::default());
    frames(&mut harness, 3);
    assert!(notices.try_recv().is_err(), "an empty board notified");
    run_one_job(&mut harness);
    let notice = notices.try_recv().expect("a notification");
    assert_eq!(notice.summary, "jobdeck: batch done");
    assert!(
        notice.body.starts_with("done: 1 of 1 succeeded in "),
        "{notice:?}"
    );
    assert!(notices.try_recv().is_err(), "notified twice");

    // A batch stopped says so.
    let job = DemoJob::Steps(Steps {
        steps: 100_000,
        delay_ms: 10,
    });
    harness.state_mut().toolbar_mut().choose(JobKind::Demo(job));
    harness.step();
    harness.get_by_label("Start job").click();
    step_until(&mut harness, "the job to run", |app| {
        app.board().count(StateClass::Running) == 1
    });
    harness.get_by_label("Stop all").click();
    step_until(&mut harness, "the job to stop", |app| {
        app.board().live_jobs() == 0
    });
    frames(&mut harness, 3);
    let stopped = notices.try_recv().expect("a notification for the stop");
    assert!(
        stopped.body.starts_with("stopped: 0 of 1 succeeded in "),
        "{stopped:?}"
    );
    assert!(notices.try_recv().is_err(), "notified twice");
}

#[test]
fn with_notifications_off_in_settings_a_batch_end_sends_nothing() {
    let (mut harness, notices) = with_notices(Settings::default());
    harness.get_by_label("Settings").click();
    frames(&mut harness, 3);
    harness.get_by_label("Notify when a batch ends").click();
    frames(&mut harness, 2);
    assert!(!harness.state().settings().notify_batch_end);
    run_one_job(&mut harness);
    assert!(notices.try_recv().is_err(), "notified while off");
}
