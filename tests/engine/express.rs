//! The express lane (jobs with no options but perhaps their id): such jobs
//! skip the scheduler's lock, and with a random id its id index too, and
//! mostly run on the workers' desks, so these tests check that nothing a
//! caller can observe changes because of that.

use crate::support::*;

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

/// The ids of the next `count` jobs to start, in the order they started.
fn start_order(events: &mut EventReceiver, count: usize) -> Vec<JobId> {
    let deadline = Instant::now() + PATIENCE;
    let mut started = Vec::new();
    while started.len() < count {
        let event = events
            .recv_deadline(deadline)
            .unwrap_or_else(|e| panic!("{} of {count} jobs started: {e}", started.len()));
        if let EventKind::Started { .. } = event.kind {
            started.push(event.job);
        }
    }
    started
}

/// Plain jobs wait in a lane of their own until they start, and jobs with
/// options in the queue; the two must still start by priority, then in
/// submission order, whichever way each job went.
#[test]
fn plain_jobs_start_in_order_among_jobs_with_options() {
    let (pool, mut events) = Pool::new(1).unwrap();
    pool.pause();
    let plain_1 = pool.submit(no_op()).unwrap();
    let plain_2 = pool.submit(no_op()).unwrap();
    // Each `counts` takes the scheduler's lock, which admits what was
    // submitted so far; it must count the waiting plain jobs too.
    assert_eq!(pool.counts().queued, 2);
    let urgent = pool.submit(no_op().priority(1)).unwrap();
    assert_eq!(pool.counts().queued, 3);
    let timed = pool.submit(no_op().timeout(PATIENCE)).unwrap();
    let plain_3 = pool.submit(no_op()).unwrap();
    assert_eq!(pool.counts().queued, 5);
    let plain_4 = pool.submit(no_op()).unwrap();
    assert_eq!(pool.counts().queued, 6);
    pool.resume();
    assert_eq!(
        start_order(&mut events, 6),
        [urgent, plain_1, plain_2, timed, plain_3, plain_4]
    );
}

/// Lookups by id reach plain jobs that have not started yet.
#[test]
fn queued_plain_jobs_can_be_reprioritised_paused_and_cancelled() {
    let (pool, mut events) = Pool::new(1).unwrap();
    pool.pause();
    let ids: Vec<JobId> = (0..4).map(|_| pool.submit(no_op()).unwrap()).collect();
    assert_eq!(pool.counts().queued, 4);
    assert!(pool.set_priority(ids[2], 5));
    assert!(pool.cancel(ids[1]));
    assert!(pool.set_job_paused(ids[3], true));
    assert_eq!(pool.state(ids[3]), Some(JobState::Queued));
    let later = pool.submit(no_op()).unwrap();
    assert_eq!(pool.counts().queued, 4);
    assert!(pool.set_job_paused(ids[3], false));
    pool.resume();
    assert_eq!(start_order(&mut events, 4), [ids[2], ids[0], ids[3], later]);
    assert_eq!(
        pool.state(ids[1]),
        Some(JobState::Ended(OutcomeKind::Cancelled))
    );
}
