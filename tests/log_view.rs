//! The log view in the window, driven as a person would: a full log of
//! 100,000 lines searched and stepped through, following a growing log and
//! stopping when the person scrolls up, a failed job's stderr in its error,
//! and no escape sequence ever on screen.

mod common;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use common::{PATIENCE, wait_until};
use egui::accesskit::{Role, Toggled};
use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use jobdeck::board::{Board, StateClass};
use jobdeck::engine::{Event, EventKind, JobId, Outcome, Output, Stream};
use jobdeck::full_log::{Mark, Origin, encode, marks_path};
use jobdeck::jobspec::{CommandSpec, JobKind, JobSpec};
use jobdeck::ui::{App, Settings};

fn settings() -> Settings {
    Settings {
        max_threads: 2,
        ..Settings::default()
    }
}

fn harness_of(app: App) -> Harness<'static, App> {
    Harness::builder()
        .with_size([1280.0, 800.0])
        .build_ui_state(|ui, app: &mut App| app.frame_ui(ui), app)
}

/// A board with one command job whose full log is in `dir`: running, or
/// ended well.
fn board_with_log_job(dir: &Path, running: bool) -> (Board, JobId) {
    let now = Instant::now();
    let id = JobId::new();
    let mut command = CommandSpec::from_command_line("true").unwrap();
    command.log_dir = Some(dir.to_owned());
    let mut board = Board::new_at(now);
    board.add_job(
        id,
        Arc::new(JobSpec::new("logger", JobKind::Command(command))),
        now,
    );
    let mut apply = |kind| board.apply_at(Event { job: id, kind }, now);
    apply(EventKind::Started {
        worker: Some(0),
        attempt: 1,
    });
    if !running {
        apply(EventKind::Finished(Outcome::Succeeded(Output::exit(
            0,
            "exited with code 0",
        ))));
    }
    (board, id)
}

/// Appends `lines` written by `stream` to the full log at `path`.
fn append(path: &Path, stream: Stream, lines: impl IntoIterator<Item = String>) {
    let mut log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    let offset = log.metadata().unwrap().len();
    let mut marks = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(marks_path(path))
        .unwrap();
    marks
        .write_all(&encode(offset, Mark::From(Origin::Program(stream))))
        .unwrap();
    let mut text = String::new();
    for line in lines {
        text.push_str(&line);
        text.push('\n');
    }
    log.write_all(text.as_bytes()).unwrap();
}

fn log_path(dir: &Path, id: JobId) -> PathBuf {
    dir.join(format!("{id}.log"))
}

/// Steps until the log view has read the whole file.
fn step_until_read(harness: &mut Harness<'_, App>, lines: u64) {
    wait_until("the log view to read the log", PATIENCE, || {
        harness.step();
        harness
            .state()
            .log_view()
            .and_then(jobdeck::ui::LogView::indexed)
            .is_some_and(|(indexed, read, len)| indexed == lines && read == len)
    });
    harness.step();
}

fn shown(harness: &Harness<'_, App>, label: &str) -> bool {
    harness.query_by_label(label).is_some()
}

/// Every text on screen: widgets' labels and labels' values.
fn texts(harness: &Harness<'_, App>) -> Vec<String> {
    harness
        .get_all_by_label_contains("")
        .filter_map(|node| {
            let node = node.accesskit_node();
            node.label().or_else(|| node.value())
        })
        .collect()
}

fn frames(harness: &mut Harness<'_, App>, count: usize) {
    for _ in 0..count {
        harness.step();
    }
}

#[test]
fn search_finds_and_steps_through_matches_in_a_100000_line_log() {
    let dir = tempfile::tempdir().unwrap();
    let (board, id) = board_with_log_job(dir.path(), false);
    // A needle every 10,000 lines, in varied case; stderr now and then.
    let path = log_path(dir.path(), id);
    for chunk in 0..10 {
        let lines = (chunk * 10_000..(chunk + 1) * 10_000).map(|n| {
            if n % 10_000 == 5_000 {
                if chunk % 2 == 0 {
                    format!("found the needle at {n}")
                } else {
                    format!("found the NEEDLE at {n}")
                }
            } else {
                format!("line {n}")
            }
        });
        let stream = if chunk % 3 == 2 {
            Stream::Stderr
        } else {
            Stream::Stdout
        };
        append(&path, stream, lines);
    }
    let mut app = App::with_board(settings(), board).unwrap();
    app.select(Some(id));
    let mut harness = harness_of(app);
    step_until_read(&mut harness, 100_000);
    assert!(shown(&harness, "line 99999"), "the view starts at the end");

    harness.key_press_modifiers(Modifiers::COMMAND, Key::F);
    frames(&mut harness, 2);
    harness.get_by_label("Find in log").type_text("needle");
    // The bar's buttons are all there, none drawn over another.
    let buttons: Vec<egui::Rect> = ["Match case", "Previous", "Next", "Close"]
        .iter()
        .map(|label| harness.get_by_label(label).rect())
        .collect();
    for (i, a) in buttons.iter().enumerate() {
        assert!(a.right() <= 1280.0, "{a:?} is off the window");
        for b in &buttons[i + 1..] {
            assert!(!a.intersects(*b), "{a:?} overlaps {b:?}");
        }
    }
    wait_until("the search to look through the log", PATIENCE, || {
        harness.step();
        harness.query_by_label("10 matches").is_some()
    });

    // Enter steps forward through every match (upper case too), wrapping.
    let mut seen = Vec::new();
    for _ in 0..11 {
        harness.key_press(Key::Enter);
        frames(&mut harness, 3);
        let on_screen: Vec<u64> = (0..10)
            .map(|k| k * 10_000 + 5_000)
            .filter(|n| {
                shown(&harness, &format!("found the needle at {n}"))
                    || shown(&harness, &format!("found the NEEDLE at {n}"))
            })
            .collect();
        assert_eq!(on_screen.len(), 1, "one match on screen: {on_screen:?}");
        seen.push(on_screen[0]);
    }
    let expected: Vec<u64> = (0..10).map(|k| k * 10_000 + 5_000).chain([5_000]).collect();
    assert_eq!(seen, expected);
    harness.get_by_label("1 of 10");
    // Shift+Enter goes back, around the start to the last.
    harness.key_press_modifiers(Modifiers::SHIFT, Key::Enter);
    frames(&mut harness, 3);
    assert!(shown(&harness, "found the NEEDLE at 95000"));
    harness.get_by_label("10 of 10");
    assert!(
        !harness.state().log_view().unwrap().is_following(),
        "stepping to a match leaves the end"
    );
}

#[test]
fn follow_sticks_to_the_end_until_the_person_scrolls_up() {
    let dir = tempfile::tempdir().unwrap();
    let (board, id) = board_with_log_job(dir.path(), true);
    let path = log_path(dir.path(), id);
    append(&path, Stream::Stdout, (0..200).map(|n| format!("line {n}")));
    let mut app = App::with_board(settings(), board).unwrap();
    app.select(Some(id));
    let mut harness = harness_of(app);
    step_until_read(&mut harness, 200);
    assert!(shown(&harness, "line 199"));
    let follow = || Toggled::True;
    assert_eq!(
        harness.get_by_label("Follow").accesskit_node().toggled(),
        Some(follow())
    );

    // While following, new lines come into view as they are written.
    append(
        &path,
        Stream::Stderr,
        (200..300).map(|n| format!("line {n}")),
    );
    step_until_read(&mut harness, 300);
    assert!(shown(&harness, "line 299"));
    assert!(!shown(&harness, "line 199"));

    // The person scrolls up with the wheel: following stops.
    let row = harness.get_by_label("line 290").rect().center();
    harness.hover_at(row);
    harness.event(egui::Event::MouseWheel {
        unit: egui::MouseWheelUnit::Point,
        delta: egui::vec2(0.0, 200.0),
        modifiers: Modifiers::NONE,
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Wheel,
    });
    frames(&mut harness, 20);
    assert!(!harness.state().log_view().unwrap().is_following());
    assert_eq!(
        harness.get_by_label("Follow").accesskit_node().toggled(),
        Some(Toggled::False)
    );
    assert!(!shown(&harness, "line 299"), "the view moved up");
    let still: Vec<u64> = (200..300)
        .filter(|n| shown(&harness, &format!("line {n}")))
        .collect();
    assert!(!still.is_empty());

    // More lines come; the view stays where the person put it.
    append(
        &path,
        Stream::Stdout,
        (300..400).map(|n| format!("line {n}")),
    );
    step_until_read(&mut harness, 400);
    assert!(!shown(&harness, "line 399"));
    for n in &still {
        assert!(shown(&harness, &format!("line {n}")), "line {n} stayed");
    }

    // End follows again.
    harness.key_press(Key::End);
    frames(&mut harness, 3);
    assert!(shown(&harness, "line 399"));
    assert!(harness.state().log_view().unwrap().is_following());
}

#[test]
fn a_failed_jobs_error_shows_its_stderr_tail_and_its_log_marks_stderr() {
    let logs = tempfile::tempdir().unwrap();
    let mut harness = harness_of(
        App::new(settings())
            .unwrap()
            .with_log_dir(logs.path().to_owned()),
    );
    harness.state_mut().toolbar_mut().set_command(
        "sh -c 'echo working; echo \"disk full: /data\" >&2; exit 3'",
        "",
    );
    harness.step();
    harness.get_by_label("Start job").click();
    wait_until("the command to fail", PATIENCE, || {
        harness.step();
        harness
            .state()
            .board()
            .jobs()
            .first()
            .is_some_and(|job| job.lifecycle.class() == StateClass::Failed)
    });
    let name = harness.state().board().jobs()[0].name().to_owned();
    harness.get_by_role_and_label(Role::Button, &name).click();
    wait_until("the log to be read", PATIENCE, || {
        harness.step();
        harness.query_by_label("disk full: /data").is_some()
    });
    let error = texts(&harness)
        .into_iter()
        .find(|text| text.starts_with("exited with code 3"))
        .expect("the error names the stderr line");
    assert_eq!(
        error,
        "exited with code 3; last lines on stderr:\ndisk full: /data"
    );
    // In the log, the stderr line is marked and the stdout line is not.
    let working = harness.get_by_label("Select line 1");
    let disk_full = harness.get_by_label("Select line 2 (stderr)");
    assert!(working.rect().top() < disk_full.rect().top());
    // Clicking line numbers selects lines; Copy copies them.
    working.click();
    frames(&mut harness, 1);
    harness
        .get_by_label("Select line 2 (stderr)")
        .click_modifiers(Modifiers::SHIFT);
    frames(&mut harness, 1);
    harness.get_by_label("Copy").click();
    frames(&mut harness, 1);
    let copied: Vec<String> = harness
        .output()
        .platform_output
        .commands
        .iter()
        .filter_map(|command| match command {
            egui::OutputCommand::CopyText(text) => Some(text.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(copied, ["working\ndisk full: /data"]);
}

#[test]
fn no_escape_sequence_of_real_programs_reaches_the_screen() {
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/term");
    let logs = tempfile::tempdir().unwrap();
    let mut harness = Harness::builder()
        .with_size([1800.0, 2400.0])
        .build_ui_state(
            |ui, app: &mut App| app.frame_ui(ui),
            App::new(settings())
                .unwrap()
                .with_log_dir(logs.path().to_owned()),
        );
    let script = format!(
        "cat {}/*.bin; cat {}/pytest.bin >&2",
        fixtures.display(),
        fixtures.display()
    );
    harness
        .state_mut()
        .toolbar_mut()
        .set_command(format!("sh -c '{script}'"), "");
    harness.step();
    harness.get_by_label("Start job").click();
    wait_until("the command to end", PATIENCE, || {
        harness.step();
        harness
            .state()
            .board()
            .jobs()
            .first()
            .is_some_and(|job| job.lifecycle.is_ended())
    });
    let name = harness.state().board().jobs()[0].name().to_owned();
    harness.get_by_role_and_label(Role::Button, &name).click();
    wait_until("the log to be read", PATIENCE, || {
        harness.step();
        harness.query_by_label("|1:alpha error beta").is_none()
            && harness.query_by_label("1:alpha error beta").is_some()
    });
    harness.key_press(Key::Home);
    frames(&mut harness, 3);
    let labels = texts(&harness);
    assert!(
        labels
            .iter()
            .any(|label| label.starts_with("   Compiling tiny")),
        "the recorded output is on screen: {labels:?}"
    );
    for label in &labels {
        assert!(
            !label
                .chars()
                .any(|ch| ch == '\u{1b}' || ch == '\r' || ch == '\u{9b}'),
            "{label:?}"
        );
    }
}
