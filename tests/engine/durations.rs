//! Durations too long to count to: never a panic (finding 3 of issue 14).

use crate::support::*;

#[test]
fn a_timeout_of_duration_max_never_passes_and_kills_nothing() {
    let (pool, mut events) = Pool::new(1).unwrap();
    let before = pool
        .submit(NewJob::new(|_: &JobContext| Ok(Output::text("before"))))
        .unwrap();
    let endless = pool
        .submit(
            NewJob::new(|_: &JobContext| Ok(Output::text("never timed out")))
                .timeout(Duration::MAX),
        )
        .unwrap();
    let after = pool
        .submit(NewJob::new(|_: &JobContext| Ok(Output::text("after"))))
        .unwrap();
    let seen = until_finished(&mut events, &[before, endless, after]);
    for id in [before, endless, after] {
        assert!(matches!(outcome_of(&seen, id), Outcome::Succeeded(_)));
    }
}

#[test]
fn sleeping_for_duration_max_waits_until_stopped() {
    let (pool, mut events) = Pool::new(1).unwrap();
    let id = pool
        .submit(NewJob::new(|ctx: &JobContext| {
            ctx.sleep(Duration::MAX)?;
            Ok(Output::default())
        }))
        .unwrap();
    wait_until("the sleeper to run", PATIENCE, || {
        matches!(pool.state(id), Some(JobState::Running { .. }))
    });
    assert!(pool.stop(id));
    let seen = until_finished(&mut events, &[id]);
    assert_eq!(outcome_of(&seen, id), &Outcome::Stopped);
}

#[test]
fn receiving_with_a_timeout_of_duration_max_waits_for_the_event() {
    let (pool, mut events) = Pool::new(1).unwrap();
    let id = pool
        .submit(NewJob::new(|_: &JobContext| Ok(Output::default())))
        .unwrap();
    let event = events.recv_timeout(Duration::MAX).expect("an event");
    assert_eq!(event.job, id);
}
