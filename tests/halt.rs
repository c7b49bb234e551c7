//! Halt policies through a real session: a job file's `halt` ends its
//! batch early, stopping or letting finish what runs and cancelling the
//! rest, and starting nothing once it has tripped.

mod common;

use std::cell::RefCell;
use std::io;
use std::path::Path;
use std::rc::Rc;
use std::time::{Duration, Instant};

use common::PATIENCE;
use jobdeck::board::{JobView, StateClass};
use jobdeck::engine::{Event, EventKind, JobId, Outcome};
use jobdeck::jobfile;
use jobdeck::jobspec::BuildContext;
use jobdeck::session::{HaltSink, HaltWatch, Halted, Session, Sink, SinkContext};

/// What a run heard, in the order the session folded it.
#[derive(Clone, Default)]
struct Heard(Rc<RefCell<Vec<(JobId, String, EventKind)>>>);

impl Sink for Heard {
    fn submitted(&mut self, _job: &JobView, _cx: &SinkContext<'_>) -> io::Result<()> {
        Ok(())
    }

    fn event(&mut self, event: &Event, cx: &SinkContext<'_>) -> io::Result<()> {
        let name = cx.board.job(event.job).map_or("?", JobView::name);
        self.0
            .borrow_mut()
            .push((event.job, name.to_owned(), event.kind.clone()));
        Ok(())
    }
}

/// A run of a job file under its own `halt`, to the end.
struct Run {
    session: Session,
    heard: Heard,
    halted: Option<Halted>,
    took: Duration,
}

fn run(text: &str) -> Run {
    let logs = tempfile::tempdir().unwrap();
    let file = jobfile::parse(text, Path::new("halt.toml")).unwrap_or_else(|e| panic!("{e}"));
    let policy = file.halt.expect("the file sets a halt policy");
    let context = BuildContext {
        log_dir: Some(logs.path().to_owned()),
        ..BuildContext::default()
    };
    let mut session = Session::new(file.max_threads.unwrap_or(2), context).unwrap();
    let (sink, watch): (HaltSink, HaltWatch) =
        HaltSink::new(policy, file.plan.jobs.iter().map(|job| job.id));
    session.add_sink(Box::new(sink));
    let heard = Heard::default();
    session.add_sink(Box::new(heard.clone()));
    let start = Instant::now();
    session.submit(file.plan).unwrap();
    while session.board().live_jobs() > 0 {
        assert!(start.elapsed() < PATIENCE, "every job ends in time");
        session
            .wait(Duration::from_millis(20), Duration::from_millis(4))
            .unwrap();
    }
    Run {
        took: start.elapsed(),
        halted: watch.halted(),
        session,
        heard,
    }
}

impl Run {
    fn count(&self, class: StateClass) -> usize {
        self.session.board().count(class)
    }

    /// The names of the jobs that started, in the order they did.
    fn started(&self) -> Vec<String> {
        self.heard
            .0
            .borrow()
            .iter()
            .filter(|(_, _, kind)| matches!(kind, EventKind::Started { .. }))
            .map(|(_, name, _)| name.clone())
            .collect()
    }
}

/// 20 jobs of 0.5 s at 2 threads; the 2nd fails at its end.
const TWENTY: &str = r#"
max_threads = 2
halt = "WHEN,fail=1"
[[job]]
name = "first"
command = ["sleep", "0.5"]
[[job]]
name = "second"
command = "sleep 0.5; exit 3"
shell = true
[[job]]
name = "rest"
command = ["sleep", "0.5"]
count = 18
"#;

#[test]
fn now_fail_1_stops_what_runs_cancels_the_rest_and_starts_nothing_more() {
    let run = run(&TWENTY.replace("WHEN", "now"));
    let halted = run.halted.clone().expect("the policy tripped");
    eprintln!("now,fail=1 over 20 jobs of 0.5 s took {:?}", run.took);

    assert_eq!(halted.name, "second");
    assert_eq!(halted.error.as_deref(), Some("exited with code 3"));
    assert_eq!(run.count(StateClass::Failed), 1);
    // `first` ends about when `second` does, stopped or not; at the trip at
    // most the 2 threads' jobs ran (`first`, or what the freed workers took
    // at once). Everything else never started.
    let succeeded = run.count(StateClass::Succeeded);
    assert!(succeeded <= 1, "{succeeded} succeeded");
    assert!(halted.stopped <= 2, "{halted:?}");
    assert_eq!(run.count(StateClass::Stopped), halted.stopped);
    assert_eq!(run.count(StateClass::Cancelled), halted.unstarted);
    assert_eq!(succeeded + halted.stopped + halted.unstarted, 19);
    // Every job that started ended before the trip or was stopped by it:
    // none started after it tripped.
    let started = run.started();
    assert_eq!(started.len(), succeeded + 1 + halted.stopped, "{started:?}");
    assert_eq!(&started[..2], ["first", "second"]);
}

#[test]
fn soon_fail_1_lets_running_jobs_finish_and_cancels_the_rest() {
    let run = run(&TWENTY.replace("WHEN", "soon"));
    let halted = run.halted.clone().expect("the policy tripped");

    assert_eq!(halted.stopped, 0);
    assert_eq!(run.count(StateClass::Stopped), 0);
    assert_eq!(run.count(StateClass::Failed), 1);
    // `first` and whatever the freed workers took ran to their ends.
    let started = run.started();
    assert_eq!(run.count(StateClass::Succeeded), started.len() - 1);
    assert!(started.len() <= 4, "{started:?}");
    assert_eq!(run.count(StateClass::Cancelled), halted.unstarted);
    assert_eq!(halted.unstarted, 20 - started.len());
}

#[test]
fn a_percentage_counts_against_the_batch() {
    // 10% of 20 jobs is 2 failures: the first does not trip it.
    let run = run(r#"
        max_threads = 1
        halt = "now,fail=10%"
        [[job]]
        name = "fails"
        command = "exit 1"
        shell = true
        count = 20
    "#);
    let halted = run.halted.clone().expect("the policy tripped");
    assert_eq!(halted.name, "fails #2");
    let failed = run.count(StateClass::Failed);
    // The worker may take a third job before the session hears of the
    // second's end; then that one is stopped, or fails first.
    assert!((2..=3).contains(&failed), "{failed} failed");
    assert_eq!(
        failed + run.count(StateClass::Stopped) + run.count(StateClass::Cancelled),
        20
    );
}

#[test]
fn a_policy_that_is_not_reached_changes_nothing() {
    let run = run(r#"
        max_threads = 2
        halt = "now,fail=2"
        [[job]]
        name = "fails once"
        command = "exit 1"
        shell = true
        [[job]]
        name = "fine"
        command = ["true"]
        count = 4
    "#);
    assert_eq!(run.halted, None);
    assert_eq!(run.count(StateClass::Failed), 1);
    assert_eq!(run.count(StateClass::Succeeded), 4);
}

#[test]
fn a_success_policy_ends_the_batch_at_the_first_success() {
    let run = run(r#"
        max_threads = 1
        halt = "now,success=1"
        [[job]]
        name = "quick"
        command = ["true"]
        [[job]]
        name = "slow"
        command = ["sleep", "30"]
        count = 3
    "#);
    let halted = run.halted.clone().expect("the policy tripped");
    assert_eq!(halted.name, "quick");
    assert_eq!(run.count(StateClass::Succeeded), 1);
    assert_eq!(
        run.count(StateClass::Stopped) + run.count(StateClass::Cancelled),
        3
    );
    assert!(run.took < PATIENCE, "the 30 s jobs did not run");
    let outcomes: Vec<Outcome> = run
        .heard
        .0
        .borrow()
        .iter()
        .filter_map(|(_, _, kind)| match kind {
            EventKind::Finished(outcome) => Some(outcome.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(outcomes.len(), 4);
}
