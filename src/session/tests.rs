use std::path::Path;
use std::sync::{Arc, Mutex};

use super::*;
use crate::board::StateClass;
use crate::engine::{EventKind, Outcome};
use crate::jobs::{DemoJob, FlakyDivision, Steps};
use crate::jobspec::{JobKind, PlannedJob};

/// What a sink heard, in order.
#[derive(Clone, Debug, PartialEq)]
enum Heard {
    Submitted {
        id: JobId,
        seq: u64,
        name: String,
    },
    /// An event, with the class its job had on the board at that moment.
    Event {
        event: Event,
        before: Option<StateClass>,
    },
    Flush,
}

/// A sink that writes down everything, for the test to read.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Heard>>>);

impl Recorder {
    fn heard(&self) -> Vec<Heard> {
        self.0.lock().unwrap().clone()
    }

    fn events(&self) -> Vec<Event> {
        self.heard()
            .into_iter()
            .filter_map(|heard| match heard {
                Heard::Event { event, .. } => Some(event),
                _ => None,
            })
            .collect()
    }
}

impl Sink for Recorder {
    fn submitted(&mut self, job: &JobView, _cx: &SinkContext<'_>) -> io::Result<()> {
        self.0.lock().unwrap().push(Heard::Submitted {
            id: job.id,
            seq: job.seq,
            name: job.name().to_owned(),
        });
        Ok(())
    }

    fn event(&mut self, event: &Event, cx: &SinkContext<'_>) -> io::Result<()> {
        let before = cx.board.job(event.job).map(|job| job.lifecycle.class());
        self.0.lock().unwrap().push(Heard::Event {
            event: event.clone(),
            before,
        });
        Ok(())
    }

    fn flush(&mut self, _cx: &SinkContext<'_>) -> io::Result<()> {
        self.0.lock().unwrap().push(Heard::Flush);
        Ok(())
    }
}

fn session_with(recorder: &Recorder, logs: &Path) -> Session {
    let context = BuildContext {
        log_dir: Some(logs.to_owned()),
        ..BuildContext::default()
    };
    let mut session = Session::new(2, context).unwrap();
    session.add_sink(Box::new(recorder.clone()));
    session
}

/// Drives `session` until every job on its board has ended; returns how
/// many events the drains reported.
fn run_to_the_end(session: &mut Session) -> usize {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut events = 0;
    while session.board().live_jobs() > 0 {
        assert!(Instant::now() < deadline, "the jobs did not end in time");
        let drained = session
            .wait(Duration::from_millis(20), Duration::from_millis(4))
            .unwrap();
        events += drained.events;
    }
    events
}

fn planned(name: &str, kind: JobKind, after: Vec<JobId>) -> PlannedJob {
    PlannedJob::new(JobId::new(), Arc::new(JobSpec::new(name, kind)), after)
}

fn steps(steps: u32) -> JobKind {
    JobKind::Demo(DemoJob::Steps(Steps { steps, delay_ms: 1 }))
}

/// Fails at its step 30, every time.
fn failing() -> JobKind {
    JobKind::Demo(DemoJob::FlakyDivision(FlakyDivision {
        min_steps: 31,
        max_steps: 31,
        delay_ms: 0,
        seed: Some(3),
    }))
}

fn finished(events: &[Event], id: JobId) -> Outcome {
    events
        .iter()
        .find_map(|event| match &event.kind {
            EventKind::Finished(outcome) if event.job == id => Some(outcome.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no end for {id}"))
}

#[test]
fn sinks_hear_each_job_at_submission_then_each_event_before_the_board_folds_it() {
    let logs = tempfile::tempdir().unwrap();
    let recorder = Recorder::default();
    let mut session = session_with(&recorder, logs.path());
    let first = planned("first", steps(3), Vec::new());
    let second = planned("second", steps(2), vec![first.id]);
    let third = planned("third", steps(1), Vec::new());
    let ids = [first.id, second.id, third.id];
    let plan = Plan {
        jobs: vec![first, second, third],
        barriers: Vec::new(),
    };
    session.submit(plan).unwrap();
    let folded = run_to_the_end(&mut session);

    let heard = recorder.heard();
    let submitted: Vec<Heard> = ids
        .iter()
        .zip(["first", "second", "third"])
        .enumerate()
        .map(|(seq, (&id, name))| Heard::Submitted {
            id,
            seq: seq as u64,
            name: name.to_owned(),
        })
        .collect();
    assert_eq!(heard[..3], submitted[..], "every job, in plan order, first");
    let events = recorder.events();
    assert_eq!(events.len(), folded, "sinks hear every event folded");
    // Each event came with the board as it was before: a start finds its
    // job queued, an end finds it running.
    for heard in &heard {
        if let Heard::Event { event, before } = heard {
            match event.kind {
                EventKind::Started { .. } => assert_eq!(*before, Some(StateClass::Queued)),
                EventKind::Finished(_) => assert_eq!(*before, Some(StateClass::Running)),
                _ => {}
            }
        }
    }
    assert_eq!(heard.last(), Some(&Heard::Flush));
    for id in ids {
        assert!(matches!(finished(&events, id), Outcome::Succeeded(_)));
        assert_eq!(
            session.board().job(id).unwrap().lifecycle.class(),
            StateClass::Succeeded
        );
    }
}

#[test]
fn a_job_after_a_batch_waits_for_one_hidden_barrier_and_blames_the_member_that_failed() {
    let logs = tempfile::tempdir().unwrap();
    let file = crate::jobfile::parse(
        r#"
[[job]]
name = "part {#}"
command = ["sh", "-c", "test {#} -ne 2"]
count = 3

[[job]]
name = "report"
kind = "steps"
steps = 1
after = ["part {#}"]
"#,
        &logs.path().join("jobs.toml"),
    )
    .unwrap();
    assert_eq!(file.plan.barriers.len(), 1);
    let barrier = file.plan.barriers[0].id;
    let report = file.plan.jobs[3].id;
    assert_eq!(
        file.plan.jobs[3].after,
        [barrier],
        "one dependency, not three"
    );
    let part_2 = file.plan.jobs[1].id;

    let recorder = Recorder::default();
    let mut session = session_with(&recorder, logs.path());
    session.submit(file.plan).unwrap();
    run_to_the_end(&mut session);

    let events = recorder.events();
    assert!(
        events.iter().all(|event| event.job != barrier),
        "the barrier is not a job: {events:?}"
    );
    assert_eq!(
        finished(&events, report),
        Outcome::Skipped { because: part_2 }
    );
    let board = session.board();
    assert_eq!(board.jobs().len(), 4);
    assert_eq!(board.count(StateClass::Succeeded), 2);
    assert_eq!(board.count(StateClass::Failed), 1);
    assert_eq!(
        board.job(report).unwrap().lifecycle,
        crate::board::Lifecycle::Skipped { because: part_2 }
    );
}

#[test]
fn retry_submits_the_same_spec_and_waits_for_the_live_jobs_it_names() {
    let logs = tempfile::tempdir().unwrap();
    let recorder = Recorder::default();
    let mut session = session_with(&recorder, logs.path());
    let first = planned("first", failing(), Vec::new());
    let mut second_spec = JobSpec::new("second", steps(1));
    second_spec.after = vec![After::Job("first".to_owned())];
    let second_spec = Arc::new(second_spec);
    let second = PlannedJob::new(JobId::new(), Arc::clone(&second_spec), vec![first.id]);
    let (first_id, second_id) = (first.id, second.id);
    session
        .submit(Plan {
            jobs: vec![first, second],
            barriers: Vec::new(),
        })
        .unwrap();
    run_to_the_end(&mut session);
    assert_eq!(
        session.board().job(second_id).unwrap().lifecycle.class(),
        StateClass::Skipped
    );

    // Retry the dependency, then the dependent while the dependency is live:
    // the dependent waits for the new run, and is skipped when it fails.
    let first_again = session.retry(first_id).unwrap().expect("an ended job");
    let second_again = session.retry(second_id).unwrap().expect("an ended job");
    assert!(session.board().job(first_id).is_none(), "replaced");
    let again = session.board().job(second_again).unwrap();
    assert!(
        Arc::ptr_eq(&again.spec, &second_spec),
        "the same spec, shared"
    );
    run_to_the_end(&mut session);
    assert_eq!(
        finished(&recorder.events(), second_again),
        Outcome::Skipped {
            because: first_again
        }
    );
    assert_eq!(
        session.retry(JobId::new()).unwrap(),
        None,
        "not on the board"
    );
}

#[test]
fn a_pause_or_a_priority_the_pool_refuses_leaves_the_board_as_it_was() {
    let logs = tempfile::tempdir().unwrap();
    let recorder = Recorder::default();
    let mut session = session_with(&recorder, logs.path());
    let job = planned("quick", steps(1), Vec::new());
    let id = job.id;
    session.pool().pause();
    session
        .submit(Plan {
            jobs: vec![job],
            barriers: Vec::new(),
        })
        .unwrap();
    assert!(session.set_priority(id, 4), "held in the queue");
    assert_eq!(session.board().job(id).unwrap().priority, 4);
    session.pool().resume();
    run_to_the_end(&mut session);
    assert!(!session.set_job_paused(id, true), "it ended");
    assert!(!session.set_priority(id, 9), "it ended");
    let job = session.board().job(id).unwrap();
    assert_eq!(job.lifecycle.class(), StateClass::Succeeded);
    assert!(!job.pause_requested);
    assert_eq!(job.priority, 4);
}
