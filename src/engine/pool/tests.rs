//! The express lane, seen from inside: express jobs handed over on the
//! workers' desks without the scheduler's lock, and everything a caller can
//! ask about them still answered as before.

use std::time::{Duration, Instant};

use crossbeam_channel::{Sender, bounded};

use super::Pool;
use crate::engine::{
    Event, EventKind, EventReceiver, JobContext, JobError, JobId, JobState, NewJob, Outcome,
    OutcomeKind, Output,
};

const PATIENCE: Duration = Duration::from_secs(20);

fn no_op() -> NewJob {
    NewJob::new(|_: &JobContext| Ok(Output::default()))
}

/// A express job that runs until `release` sends (or is dropped).
fn gated() -> (NewJob, Sender<()>) {
    let (release, gate) = bounded::<()>(1);
    let job = NewJob::new(move |_: &JobContext| {
        let _ = gate.recv();
        Ok(Output::default())
    });
    (job, release)
}

/// The next event, or a failure naming `what` once `PATIENCE` passes.
fn next_event(events: &mut EventReceiver, what: &str) -> Event {
    events
        .recv_timeout(PATIENCE)
        .unwrap_or_else(|e| panic!("waiting for {what}: {e}"))
}

/// Reads events until `job` has one matching `wanted`.
fn wait_event(events: &mut EventReceiver, job: JobId, wanted: impl Fn(&EventKind) -> bool) {
    loop {
        let event = next_event(events, "an event of one job");
        if event.job == job && wanted(&event.kind) {
            return;
        }
    }
}

/// A one-thread pool whose worker runs an express job on its desk with the
/// lane open: the worker takes it from the inbox for itself after a first
/// job. The jobs `then` wait in the inbox behind it. Returns the pool, its events,
/// the desk job's id and the ids of `then`.
fn pool_running_a_desk_job(
    desk_job: NewJob,
    then: impl IntoIterator<Item = NewJob>,
) -> (Pool, EventReceiver, JobId, Vec<JobId>) {
    let (pool, mut events) = Pool::new(1).unwrap();
    let (first, release_first) = gated();
    pool.submit(first).unwrap();
    let on_desk = pool.submit(desk_job).unwrap();
    let then = then
        .into_iter()
        .map(|job| pool.submit(job).unwrap())
        .collect();
    release_first.send(()).unwrap();
    wait_event(&mut events, on_desk, |kind| {
        matches!(kind, EventKind::Started { .. })
    });
    {
        let state = pool.shared.lock_raw();
        assert!(state.express.is_open(), "the express lane should be open");
        let desk = state.express.desk_of(0).expect("worker 0 has a desk");
        assert_eq!(desk.current.as_ref().map(|run| run.id), Some(on_desk));
    }
    (pool, events, on_desk, then)
}

#[test]
fn plain_jobs_hand_over_without_the_scheduler_lock() {
    let (desk_job, release) = gated();
    let (pool, mut events, _, rest) = pool_running_a_desk_job(desk_job, (0..100).map(|_| no_op()));
    let held = pool.shared.lock_raw();
    release.send(()).unwrap();
    // All but the last: that one finds the inbox empty and takes the lock to
    // count its worker idle before it announces its end.
    let mut finished = Vec::new();
    while finished.len() < rest.len() - 1 {
        let event = next_event(&mut events, "express jobs ending while the lock is held");
        if event.kind.is_terminal() && rest.contains(&event.job) {
            finished.push(event.job);
        }
    }
    assert_eq!(finished, rest[..rest.len() - 1]);
    drop(held);
    wait_event(&mut events, rest[rest.len() - 1], EventKind::is_terminal);
    for id in rest {
        assert_eq!(
            pool.state(id),
            Some(JobState::Ended(OutcomeKind::Succeeded))
        );
    }
}

#[test]
fn a_desk_job_is_found_stopped_and_waited_for_by_id() {
    let looping = NewJob::new(|ctx: &JobContext| {
        loop {
            ctx.checkpoint()?;
            std::thread::sleep(Duration::from_millis(1));
        }
    });
    let (pool, mut events, on_desk, _) = pool_running_a_desk_job(looping, []);
    assert!(matches!(
        pool.state(on_desk),
        Some(JobState::Running {
            worker: Some(0),
            attempt: 1,
            stop_requested: None,
            ..
        })
    ));
    let dependent = pool.submit(no_op().after([on_desk])).unwrap();
    assert_eq!(pool.state(dependent), Some(JobState::Waiting));
    assert!(pool.set_job_paused(on_desk, false));
    assert!(!pool.cancel(on_desk), "a running job is not cancelled");
    assert!(pool.stop(on_desk));
    let mut seen = Vec::new();
    while seen.len() < 3 {
        let event = next_event(&mut events, "the stop and its consequences");
        match event.kind {
            EventKind::StopRequested { timed_out: false } => seen.push("stop requested"),
            EventKind::Finished(Outcome::Stopped) if event.job == on_desk => seen.push("stopped"),
            EventKind::Finished(Outcome::Skipped { because }) if event.job == dependent => {
                assert_eq!(because, on_desk);
                seen.push("dependent skipped");
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(seen, ["stop requested", "stopped", "dependent skipped"]);
    assert_eq!(
        pool.state(on_desk),
        Some(JobState::Ended(OutcomeKind::Stopped))
    );
}

#[test]
fn a_dependency_on_a_desk_job_that_ended_fast_sees_its_outcome() {
    let failing = NewJob::new(|_: &JobContext| Err(JobError::msg("no")));
    let (desk_job, release) = gated();
    let (pool, mut events, _, then) = pool_running_a_desk_job(desk_job, [failing, no_op()]);
    let (failed, succeeded) = (then[0], then[1]);
    release.send(()).unwrap();
    wait_event(&mut events, succeeded, EventKind::is_terminal);
    let after_failed = pool.submit(no_op().after([failed])).unwrap();
    let after_succeeded = pool.submit(no_op().after([succeeded])).unwrap();
    wait_event(
        &mut events,
        after_failed,
        |kind| matches!(kind, EventKind::Finished(Outcome::Skipped { because }) if *because == failed),
    );
    wait_event(&mut events, after_succeeded, |kind| {
        matches!(kind, EventKind::Finished(Outcome::Succeeded(_)))
    });
}

#[test]
fn a_retry_starts_before_plain_jobs_submitted_after_its_job() {
    let (pool, mut events) = Pool::new(1).unwrap();
    let (release, gate) = bounded::<()>(1);
    let flaky = pool
        .submit(
            NewJob::new(move |ctx: &JobContext| {
                if ctx.attempt() == 1 {
                    let _ = gate.recv();
                    return Err(JobError::msg("first attempt"));
                }
                Ok(Output::default())
            })
            .retries(1),
        )
        .unwrap();
    wait_event(&mut events, flaky, |kind| {
        matches!(kind, EventKind::Started { .. })
    });
    // The pool has its express lane open now, and these wait in its inbox.
    let plain: Vec<JobId> = (0..3).map(|_| pool.submit(no_op()).unwrap()).collect();
    release.send(()).unwrap();
    let mut starts = Vec::new();
    let deadline = Instant::now() + PATIENCE;
    while starts.len() < 4 {
        let event = events
            .recv_deadline(deadline)
            .unwrap_or_else(|e| panic!("starts so far {starts:?}: {e}"));
        if let EventKind::Started { .. } = event.kind {
            starts.push(event.job);
        }
    }
    assert_eq!(starts, [flaky, plain[0], plain[1], plain[2]]);
}

#[test]
fn pausing_a_fast_pool_holds_back_the_next_plain_job() {
    let (desk_job, release) = gated();
    let (pool, mut events, on_desk, waiting) =
        pool_running_a_desk_job(desk_job, (0..5).map(|_| no_op()));
    pool.pause();
    release.send(()).unwrap();
    wait_event(&mut events, on_desk, EventKind::is_terminal);
    let deadline = Instant::now() + PATIENCE;
    while pool.counts().running > 0 {
        assert!(Instant::now() < deadline, "the worker should go idle");
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(pool.counts().queued, waiting.len());
    while let Ok(event) = events.try_recv() {
        assert!(
            !matches!(event.kind, EventKind::Started { .. }),
            "{event:?} while paused"
        );
    }
    pool.resume();
    for id in waiting {
        wait_event(&mut events, id, EventKind::is_terminal);
    }
}
