//! Timeouts and retries.

use crate::support::*;

#[test]
fn timeout_stops_the_job_as_timed_out() {
    let (pool, mut events) = Pool::new(2).unwrap();
    let id = pool
        .submit(
            NewJob::new(|ctx: &JobContext| {
                ctx.sleep(Duration::from_secs(60))?;
                Ok(Output::default())
            })
            .timeout(Duration::from_millis(30)),
        )
        .unwrap();
    let seen = until_finished(&mut events, &[id]);
    assert_eq!(outcome_of(&seen, id), &Outcome::TimedOut);
    assert!(
        seen.iter()
            .any(|e| e.kind == EventKind::StopRequested { timed_out: true })
    );
}

#[test]
fn retries_run_again_with_the_attempt_number_in_events() {
    let (pool, mut events) = Pool::new(2).unwrap();
    // Fails twice, then succeeds.
    let flaky = pool
        .submit(
            NewJob::new(|ctx: &JobContext| {
                if ctx.attempt() < 3 {
                    Err(JobError::msg(format!("attempt {} failed", ctx.attempt())))
                } else {
                    Ok(Output::text("third time lucky"))
                }
            })
            .retries(5),
        )
        .unwrap();
    // Always fails: one run plus two retries, then Failed.
    let hopeless = pool
        .submit(
            NewJob::new(|_: &JobContext| Err(JobError::exit(3, "exited with code 3"))).retries(2),
        )
        .unwrap();
    // Times out on the first attempt only.
    let slow_once = pool
        .submit(
            NewJob::new(|ctx: &JobContext| {
                if ctx.attempt() == 1 {
                    ctx.sleep(Duration::from_secs(60))?;
                }
                Ok(Output::text("fast enough"))
            })
            .timeout(Duration::from_millis(30))
            .retries(1),
        )
        .unwrap();
    let seen = until_finished(&mut events, &[flaky, hopeless, slow_once]);
    let attempts = |id: JobId| -> Vec<u32> {
        seen.iter()
            .filter_map(|e| match e.kind {
                EventKind::Started { attempt, .. } if e.job == id => Some(attempt),
                _ => None,
            })
            .collect()
    };
    assert_eq!(attempts(flaky), [1, 2, 3]);
    assert_eq!(
        outcome_of(&seen, flaky),
        &Outcome::Succeeded(Output::text("third time lucky"))
    );
    assert_eq!(attempts(hopeless), [1, 2, 3]);
    assert_eq!(
        outcome_of(&seen, hopeless),
        &Outcome::Failed {
            error: "exited with code 3".into(),
            exit_code: Some(3)
        }
    );
    assert_eq!(attempts(slow_once), [1, 2]);
    assert!(matches!(
        outcome_of(&seen, slow_once),
        Outcome::Succeeded(_)
    ));
    let retry_errors: Vec<&str> = seen
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Retrying { error, .. } if e.job == flaky => Some(error.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(retry_errors, ["attempt 1 failed", "attempt 2 failed"]);
}

#[test]
fn a_stopped_job_is_not_retried() {
    let (pool, mut events) = Pool::new(1).unwrap();
    let id = pool
        .submit(
            NewJob::new(|ctx: &JobContext| {
                ctx.sleep(Duration::from_secs(60))?;
                Ok(Output::default())
            })
            .retries(3),
        )
        .unwrap();
    wait_until("the job to run", PATIENCE, || {
        matches!(pool.state(id), Some(JobState::Running { .. }))
    });
    pool.stop(id);
    let seen = until_finished(&mut events, &[id]);
    assert_eq!(outcome_of(&seen, id), &Outcome::Stopped);
    assert!(
        !seen
            .iter()
            .any(|e| matches!(e.kind, EventKind::Retrying { .. }))
    );
}

/// Finding 1 of issue 14: a person's stop while a timed-out attempt is still
/// winding down wins: no retry, and the job ends stopped.
#[test]
fn a_stop_after_a_timeout_is_not_lost_and_the_job_is_not_retried() {
    let (pool, mut events) = Pool::new(1).unwrap();
    let wind_down = Arc::new(AtomicBool::new(false));
    let released = Arc::clone(&wind_down);
    let id = pool
        .submit(
            NewJob::new(move |ctx: &JobContext| {
                // Like a program that traps TERM and takes a while to exit.
                while !ctx.should_stop() {
                    std::thread::sleep(Duration::from_millis(1));
                }
                while !released.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err(JobError::msg("terminated"))
            })
            .timeout(Duration::from_millis(20))
            .retries(2),
        )
        .unwrap();
    wait_for("the timeout's stop", PATIENCE, || {
        events
            .try_recv()
            .ok()
            .filter(|e| e.job == id && e.kind == EventKind::StopRequested { timed_out: true })
    });
    assert!(pool.stop(id), "the job is still live");
    wind_down.store(true, Ordering::SeqCst);
    let seen = until_finished(&mut events, &[id]);
    assert_eq!(outcome_of(&seen, id), &Outcome::Stopped);
    assert!(
        seen.iter()
            .any(|e| e.kind == EventKind::StopRequested { timed_out: false }),
        "the person's stop is reported: {seen:?}"
    );
    assert!(
        !seen.iter().any(|e| matches!(
            e.kind,
            EventKind::Retrying { .. } | EventKind::Started { .. }
        )),
        "no retry: {seen:?}"
    );
    assert_eq!(pool.state(id), Some(JobState::Ended(OutcomeKind::Stopped)));
}

/// A job queued for a retry has run already: a person's stop ends it as
/// stopped, and it never starts again.
#[test]
fn a_stop_between_attempts_ends_the_job_as_stopped() {
    let (pool, mut events) = Pool::new(1).unwrap();
    let go = Arc::new(AtomicBool::new(false));
    let gate = Arc::clone(&go);
    let id = pool
        .submit(
            NewJob::new(move |_: &JobContext| {
                while !gate.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err(JobError::msg("flaky"))
            })
            .retries(3),
        )
        .unwrap();
    wait_until("the first attempt to run", PATIENCE, || {
        matches!(pool.state(id), Some(JobState::Running { .. }))
    });
    // Paused, the retry waits in the queue.
    pool.pause();
    go.store(true, Ordering::SeqCst);
    wait_until("the retry to be queued", PATIENCE, || {
        pool.state(id) == Some(JobState::Queued)
    });
    assert!(pool.stop(id));
    let seen = until_finished(&mut events, &[id]);
    assert_eq!(outcome_of(&seen, id), &Outcome::Stopped);
    let starts = seen
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Started { .. }))
        .count();
    assert_eq!(starts, 1, "{seen:?}");
}
