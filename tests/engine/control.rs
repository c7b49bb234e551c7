//! Stop, cancel, pause and priorities.

use crate::support::*;

#[test]
fn stopping_a_cooperative_job_reports_stopped_promptly() {
    let (pool, mut events) = Pool::new(2).unwrap();
    let mut latencies = Vec::new();
    for _ in 0..11 {
        let steps_after_stop = Arc::new(AtomicUsize::new(0));
        let stopped = Arc::new(AtomicBool::new(false));
        let (counter, flag) = (Arc::clone(&steps_after_stop), Arc::clone(&stopped));
        let id = pool
            .submit(NewJob::new(move |ctx: &JobContext| {
                loop {
                    if flag.load(Ordering::SeqCst) {
                        counter.fetch_add(1, Ordering::SeqCst);
                    }
                    ctx.checkpoint()?;
                    ctx.sleep(Duration::from_millis(1))?;
                }
            }))
            .unwrap();
        wait_for("the job to start", PATIENCE, || {
            events
                .try_recv()
                .ok()
                .filter(|e| e.job == id && matches!(e.kind, EventKind::Started { .. }))
        });
        let asked = Instant::now();
        stopped.store(true, Ordering::SeqCst);
        assert!(pool.stop(id));
        let seen = until_finished(&mut events, &[id]);
        latencies.push(asked.elapsed());
        assert_eq!(outcome_of(&seen, id), &Outcome::Stopped);
        assert!(
            steps_after_stop.load(Ordering::SeqCst) <= 1,
            "the job ran more than one step after the stop"
        );
    }
    latencies.sort();
    let median = latencies[latencies.len() / 2];
    assert!(
        median < Duration::from_millis(10),
        "median stop latency {median:?}"
    );
}

#[test]
fn cancelled_queued_job_never_starts() {
    let (pool, mut events) = Pool::new(1).unwrap();
    let running = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(AtomicBool::new(false));
    let blocker = pool.submit(gated(&running, &gate)).unwrap();
    wait_until("the blocker to run", PATIENCE, || {
        running.load(Ordering::SeqCst) == 1
    });
    let started = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&started);
    let queued = pool
        .submit(NewJob::new(move |_: &JobContext| {
            flag.store(true, Ordering::SeqCst);
            Ok(Output::default())
        }))
        .unwrap();
    assert_eq!(pool.state(queued), Some(JobState::Queued));
    assert!(pool.cancel(queued));
    assert_eq!(
        pool.state(queued),
        Some(JobState::Ended(OutcomeKind::Cancelled))
    );
    assert!(!pool.cancel(blocker), "cancel leaves running jobs alone");
    gate.store(true, Ordering::SeqCst);
    let seen = until_finished(&mut events, &[blocker, queued]);
    assert_eq!(outcome_of(&seen, queued), &Outcome::Cancelled);
    assert!(!started.load(Ordering::SeqCst));
    assert!(
        !seen
            .iter()
            .any(|e| e.job == queued && matches!(e.kind, EventKind::Started { .. }))
    );
}

#[test]
fn pause_holds_dispatch_and_resume_releases_it() {
    let (pool, mut events) = Pool::new(4).unwrap();
    pool.pause();
    assert!(pool.is_paused());
    let ids = pool
        .submit_all(
            (0..3)
                .map(|_| NewJob::new(|_: &JobContext| Ok(Output::default())))
                .collect(),
        )
        .unwrap();
    // Nothing can start while paused: the pool admits that it holds them.
    assert_eq!(pool.counts().queued, 3);
    assert!(events.try_recv().is_err(), "no event while paused");
    pool.resume();
    let seen = until_finished(&mut events, &ids);
    assert_eq!(seen.iter().filter(|e| e.kind.is_terminal()).count(), 3);
}

#[test]
fn higher_priority_runs_first_then_submission_order() {
    let (pool, mut events) = Pool::new(1).unwrap();
    pool.pause();
    let order = Arc::new(std::sync::Mutex::new(Vec::new()));
    let job = |label: &'static str, priority: i32| {
        let order = Arc::clone(&order);
        NewJob::new(move |_: &JobContext| {
            order.lock().unwrap().push(label);
            Ok(Output::default())
        })
        .priority(priority)
    };
    let ids = pool
        .submit_all(vec![
            job("low-1", 0),
            job("high-1", 5),
            job("low-2", 0),
            job("high-2", 5),
            job("mid", 1),
        ])
        .unwrap();
    let last = pool.submit(job("raised", 0)).unwrap();
    assert!(pool.set_priority(last, 9));
    pool.resume();
    let mut all = ids.clone();
    all.push(last);
    until_finished(&mut events, &all);
    assert_eq!(
        *order.lock().unwrap(),
        ["raised", "high-1", "high-2", "mid", "low-1", "low-2"]
    );
}

#[test]
fn stop_all_cancels_queued_and_stops_running() {
    let (pool, mut events) = Pool::new(2).unwrap();
    let running = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(AtomicBool::new(false));
    let ids = pool
        .submit_all((0..6).map(|_| gated(&running, &gate)).collect())
        .unwrap();
    wait_until("two jobs to run", PATIENCE, || {
        running.load(Ordering::SeqCst) == 2
    });
    pool.stop_all();
    let seen = until_finished(&mut events, &ids);
    let count = |kind: OutcomeKind| {
        ids.iter()
            .filter(|id| outcome_of(&seen, **id).kind() == kind)
            .count()
    };
    assert_eq!(count(OutcomeKind::Stopped), 2);
    assert_eq!(count(OutcomeKind::Cancelled), 4);
}

#[test]
fn a_paused_job_holds_at_its_checkpoint() {
    let (pool, mut events) = Pool::new(1).unwrap();
    let steps = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&steps);
    let id = pool
        .submit(NewJob::new(move |ctx: &JobContext| {
            for _ in 0..1_000_000 {
                ctx.checkpoint()?;
                counter.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(Duration::from_micros(100));
            }
            Ok(Output::default())
        }))
        .unwrap();
    wait_until("the job to make progress", PATIENCE, || {
        steps.load(Ordering::SeqCst) > 10
    });
    assert!(pool.set_job_paused(id, true));
    // Once held, the count stops moving: two equal reads 20 ms apart.
    let held = wait_for("the job to hold", PATIENCE, || {
        let before = steps.load(Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(20));
        (steps.load(Ordering::SeqCst) == before).then_some(before)
    });
    assert!(pool.set_job_paused(id, false));
    wait_until("the job to go on", PATIENCE, || {
        steps.load(Ordering::SeqCst) > held
    });
    // A paused job still stops.
    pool.set_job_paused(id, true);
    pool.stop(id);
    let seen = until_finished(&mut events, &[id]);
    assert_eq!(outcome_of(&seen, id), &Outcome::Stopped);
}
