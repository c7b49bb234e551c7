//! The cap on jobs running at once, and changing it while jobs run.

use crate::support::*;

#[test]
fn max_threads_out_of_range_is_an_error_not_a_panic() {
    assert_eq!(Pool::new(0).err(), Some(EngineError::InvalidMaxThreads(0)));
    assert_eq!(
        Pool::new(1025).err(),
        Some(EngineError::InvalidMaxThreads(1025))
    );
    let (pool, _events) = Pool::new(1024).expect("1024 is allowed");
    assert_eq!(
        pool.set_max_threads(0),
        Err(EngineError::InvalidMaxThreads(0))
    );
    assert_eq!(pool.max_threads(), 1024, "a refused change changes nothing");
    assert_eq!(
        EngineError::InvalidMaxThreads(0).to_string(),
        "max threads must be between 1 and 1024, got 0"
    );
}

#[test]
fn running_count_never_exceeds_the_cap_while_it_changes() {
    let (pool, mut events) = Pool::new(4).unwrap();
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    // The cap a job may see when it starts: raised before a raise takes
    // effect, lowered only once the engine runs no more than the new cap.
    let allowed = Arc::new(AtomicUsize::new(4));
    let violations = Arc::new(AtomicUsize::new(0));
    let mut rng = fastrand::Rng::with_seed(7);
    let jobs: Vec<NewJob> = (0..1000)
        .map(|i| {
            let (running, peak, allowed, violations) = (
                Arc::clone(&running),
                Arc::clone(&peak),
                Arc::clone(&allowed),
                Arc::clone(&violations),
            );
            let work = Duration::from_micros(rng.u64(0..1500));
            NewJob::new(move |_ctx: &JobContext| {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                if now > allowed.load(Ordering::SeqCst) {
                    violations.fetch_add(1, Ordering::SeqCst);
                }
                std::thread::sleep(work);
                running.fetch_sub(1, Ordering::SeqCst);
                Ok(Output::text(i.to_string()))
            })
        })
        .collect();
    let ids = pool.submit_all(jobs).unwrap();
    let mut changes = 0;
    while pool.counts().queued > 0 {
        let cap = rng.usize(1..=16);
        if cap >= allowed.load(Ordering::SeqCst) {
            allowed.store(cap, Ordering::SeqCst);
            pool.set_max_threads(cap).unwrap();
        } else {
            pool.set_max_threads(cap).unwrap();
            wait_until(
                "running jobs to drain below a lowered cap",
                PATIENCE,
                || pool.counts().running <= cap,
            );
            allowed.store(cap, Ordering::SeqCst);
        }
        changes += 1;
        std::thread::sleep(Duration::from_millis(2));
    }
    let seen = until_finished(&mut events, &ids);
    assert!(changes >= 5, "the cap changed only {changes} times");
    assert_eq!(
        violations.load(Ordering::SeqCst),
        0,
        "a job started above the cap"
    );
    assert!(peak.load(Ordering::SeqCst) <= 16);
    let succeeded = seen
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Finished(Outcome::Succeeded(_))))
        .count();
    assert_eq!(succeeded, 1000);
}

#[test]
fn raising_the_cap_starts_queued_jobs_at_once() {
    let (pool, mut events) = Pool::new(1).unwrap();
    let running = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(AtomicBool::new(false));
    let ids = pool
        .submit_all((0..3).map(|_| gated(&running, &gate)).collect())
        .unwrap();
    wait_until("the first job to start", PATIENCE, || {
        running.load(Ordering::SeqCst) == 1
    });
    assert_eq!(pool.counts().queued, 2);
    pool.set_max_threads(3).unwrap();
    // The first job is still blocked, so these can only be new starts.
    wait_until("all three jobs to run at once", PATIENCE, || {
        running.load(Ordering::SeqCst) == 3
    });
    gate.store(true, Ordering::SeqCst);
    until_finished(&mut events, &ids);
}

#[test]
fn lowering_the_cap_lets_running_jobs_finish() {
    let (pool, mut events) = Pool::new(3).unwrap();
    let running = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(AtomicBool::new(false));
    let ids = pool
        .submit_all((0..5).map(|_| gated(&running, &gate)).collect())
        .unwrap();
    wait_until("three jobs to run", PATIENCE, || {
        running.load(Ordering::SeqCst) == 3
    });
    pool.set_max_threads(1).unwrap();
    assert_eq!(pool.counts().running, 3, "lowering interrupts nothing");
    gate.store(true, Ordering::SeqCst);
    let seen = until_finished(&mut events, &ids);
    for id in &ids {
        assert!(matches!(outcome_of(&seen, *id), Outcome::Succeeded(_)));
    }
    // After the lowering, the two queued jobs ran one at a time: each
    // started only after every earlier job had finished.
    let mut live = 0usize;
    let mut max_live_after_first_end = 0;
    let mut ended_any = false;
    for event in &seen {
        match event.kind {
            EventKind::Started { .. } => live += 1,
            EventKind::Finished(_) => {
                live -= 1;
                ended_any = true;
            }
            _ => {}
        }
        if ended_any && matches!(event.kind, EventKind::Started { .. }) {
            max_live_after_first_end = max_live_after_first_end.max(live);
        }
    }
    assert!(
        max_live_after_first_end <= 1,
        "a queued job started while {max_live_after_first_end} ran"
    );
}
