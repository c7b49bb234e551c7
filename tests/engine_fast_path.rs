//! The engine's fast path for plain submissions (a fresh random id, no
//! dependencies): such jobs skip the scheduler's lock and its id index, so
//! these tests check that nothing a caller can observe changes because of
//! that.

mod common;

use std::time::{Duration, Instant};

use common::PATIENCE;
use jobdeck::engine::{
    EngineError, EventKind, EventReceiver, JobContext, JobId, JobState, NewJob, OutcomeKind,
    Output, Pool,
};

fn no_op() -> NewJob {
    NewJob::new(|_: &JobContext| Ok(Output::default()))
}

/// Reads events until `count` jobs have finished.
fn finish(events: &mut EventReceiver, count: usize) {
    let deadline = Instant::now() + PATIENCE;
    let mut finished = 0;
    while finished < count {
        let event = events
            .recv_deadline(deadline)
            .unwrap_or_else(|e| panic!("{finished} of {count} jobs finished: {e}"));
        if event.kind.is_terminal() {
            finished += 1;
        }
    }
}

#[test]
fn plain_jobs_are_known_by_id_after_they_end() {
    let (pool, mut events) = Pool::new(2).unwrap();
    let ids: Vec<JobId> = (0..500).map(|_| pool.submit(no_op()).unwrap()).collect();
    finish(&mut events, ids.len());
    for id in &ids {
        assert_eq!(
            pool.state(*id),
            Some(JobState::Ended(OutcomeKind::Succeeded))
        );
    }
    // Their ids are taken, and later jobs may depend on them.
    assert_eq!(
        pool.submit(no_op().with_id(ids[7])),
        Err(EngineError::DuplicateId(ids[7]))
    );
    let last = *ids.last().unwrap();
    let after = pool.submit(no_op().after([last])).unwrap();
    finish(&mut events, 1);
    assert_eq!(
        pool.state(after),
        Some(JobState::Ended(OutcomeKind::Succeeded))
    );
}

#[test]
fn a_plain_job_is_known_by_id_while_queued() {
    let (pool, _events) = Pool::new(1).unwrap();
    pool.pause();
    let id = pool.submit(no_op()).unwrap();
    assert_eq!(pool.state(id), Some(JobState::Queued));
    assert!(pool.cancel(id));
    assert_eq!(
        pool.state(id),
        Some(JobState::Ended(OutcomeKind::Cancelled))
    );
}

#[test]
fn jobs_submitted_to_an_idle_pool_start_without_another_submission() {
    let (pool, mut events) = Pool::new(2).unwrap();
    // Two rounds: the second finds both workers idle, waiting for work.
    for round in 0..2 {
        for _ in 0..2 {
            pool.submit(no_op()).unwrap();
        }
        finish(&mut events, 2);
        assert_eq!(pool.counts().running, 0, "round {round}");
    }
    // And once more after the workers had time to fall asleep.
    std::thread::sleep(Duration::from_millis(50));
    pool.submit(no_op()).unwrap();
    finish(&mut events, 1);
}

#[test]
fn a_stop_right_after_the_start_is_reported_after_it() {
    let (pool, mut events) = Pool::new(2).unwrap();
    for _ in 0..200 {
        let id = pool
            .submit(NewJob::new(|ctx: &JobContext| {
                loop {
                    ctx.checkpoint()?;
                    std::hint::spin_loop();
                }
            }))
            .unwrap();
        // Stops the job while its start may still be on its way.
        while !matches!(pool.state(id), Some(JobState::Running { .. })) {
            std::hint::spin_loop();
        }
        pool.stop(id);
        let deadline = Instant::now() + PATIENCE;
        let mut kinds = Vec::new();
        loop {
            let event = events.recv_deadline(deadline).expect("the job ends");
            if event.job != id {
                continue;
            }
            let terminal = event.kind.is_terminal();
            kinds.push(event.kind);
            if terminal {
                break;
            }
        }
        assert!(
            matches!(
                kinds.as_slice(),
                [
                    EventKind::Started { .. },
                    EventKind::StopRequested { timed_out: false },
                    EventKind::Finished(_)
                ]
            ),
            "{kinds:?}"
        );
    }
}
