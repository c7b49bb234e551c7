//! Jobs that panic.

use crate::support::*;

#[test]
fn a_panic_is_a_failure_and_the_pool_keeps_its_width() {
    const WIDTH: usize = 4;
    let (pool, mut events) = Pool::new(WIDTH).unwrap();
    let panics: Vec<NewJob> = (0..WIDTH)
        .map(|i| {
            NewJob::new(move |_: &JobContext| -> jobdeck::engine::JobResult {
                panic!("job {i} blew up")
            })
        })
        .collect();
    let panic_ids = pool.submit_all(panics).unwrap();
    let seen = until_finished(&mut events, &panic_ids);
    for (i, id) in panic_ids.iter().enumerate() {
        assert_eq!(
            outcome_of(&seen, *id),
            &Outcome::Failed {
                error: format!("panicked: job {i} blew up"),
                exit_code: None
            }
        );
    }
    // The next 100 jobs: the first WIDTH of them each wait until WIDTH run
    // at once, which only happens if every worker survived.
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let jobs: Vec<NewJob> = (0..100)
        .map(|_| {
            let (running, peak) = (Arc::clone(&running), Arc::clone(&peak));
            NewJob::new(move |_: &JobContext| {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                let deadline = Instant::now() + Duration::from_secs(5);
                while peak.load(Ordering::SeqCst) < WIDTH && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_micros(200));
                }
                running.fetch_sub(1, Ordering::SeqCst);
                Ok(Output::default())
            })
        })
        .collect();
    let ids = pool.submit_all(jobs).unwrap();
    let seen = until_finished(&mut events, &ids);
    assert_eq!(peak.load(Ordering::SeqCst), WIDTH);
    assert_eq!(
        seen.iter()
            .filter(|e| matches!(e.kind, EventKind::Finished(Outcome::Succeeded(_))))
            .count(),
        100
    );
}

/// A job whose destructor panics.
struct PanicsWhenDropped;

impl Drop for PanicsWhenDropped {
    fn drop(&mut self) {
        panic!("drop blew up");
    }
}

/// Finding 2 of issue 14: dropping a job is as guarded as running it, on
/// the express lane and in the queue alike, and the worker goes on.
#[test]
fn a_panic_in_a_jobs_destructor_fails_the_job_and_spares_the_worker() {
    let (pool, mut events) = Pool::new(1).unwrap();
    let bomb = || {
        let held = PanicsWhenDropped;
        move |_: &JobContext| {
            let _ = &held;
            Ok(Output::default())
        }
    };
    let express = pool.submit(NewJob::new(bomb())).unwrap();
    let queued = pool.submit(NewJob::new(bomb()).priority(1)).unwrap();
    let retried = pool.submit(NewJob::new(bomb()).retries(2)).unwrap();
    let next = pool
        .submit(NewJob::new(|_: &JobContext| Ok(Output::text("next"))))
        .unwrap();
    let seen = until_finished(&mut events, &[express, queued, retried, next]);
    for id in [express, queued, retried] {
        assert_eq!(
            outcome_of(&seen, id),
            &Outcome::Failed {
                error: "panicked while being dropped: drop blew up".into(),
                exit_code: None
            }
        );
        assert_eq!(pool.state(id), Some(JobState::Ended(OutcomeKind::Failed)));
    }
    assert_eq!(
        outcome_of(&seen, next),
        &Outcome::Succeeded(Output::text("next"))
    );
    assert_eq!(pool.worker_threads(), 1);
}

/// A panic payload whose own destructor panics.
struct Bomb;

impl Drop for Bomb {
    fn drop(&mut self) {
        panic!("payload blew up");
    }
}

#[test]
fn a_panic_payload_that_panics_when_dropped_spares_the_worker() {
    let (pool, mut events) = Pool::new(1).unwrap();
    let first = pool
        .submit(NewJob::new(
            |_: &JobContext| -> jobdeck::engine::JobResult { std::panic::panic_any(Bomb) },
        ))
        .unwrap();
    let next = pool
        .submit(NewJob::new(|_: &JobContext| Ok(Output::default())))
        .unwrap();
    let seen = until_finished(&mut events, &[first, next]);
    assert_eq!(
        outcome_of(&seen, first),
        &Outcome::Failed {
            error: "panicked: (no message)".into(),
            exit_code: None
        }
    );
    assert!(matches!(outcome_of(&seen, next), Outcome::Succeeded(_)));
}
