//! The waker runs with no lock held (finding 11 of issue 14).

use crate::support::*;

#[test]
fn a_waker_may_call_the_pool() {
    let (pool, mut events) = Pool::new(2).unwrap();
    // Leaked, so that the waker's reference never outlives it: the pool
    // stays for the life of the test binary, its threads idle.
    let pool: &'static Pool = Box::leak(Box::new(pool));
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    assert!(pool.set_waker(move |_| {
        // Each of these takes the pool's lock; under it, this would deadlock.
        let _ = pool.counts();
        let _ = pool.is_paused();
        counted.fetch_add(1, Ordering::SeqCst);
    }));
    // Events of every kind that is sent while the state changes: starts and
    // ends, a retry, a dependency's end, a cancel and a stop.
    let flaky = pool
        .submit(
            NewJob::new(|ctx: &JobContext| {
                if ctx.attempt() == 1 {
                    Err(JobError::msg("first"))
                } else {
                    Ok(Output::default())
                }
            })
            .retries(1),
        )
        .unwrap();
    let dependent = pool
        .submit(NewJob::new(|_: &JobContext| Ok(Output::default())).after([flaky]))
        .unwrap();
    let running = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(AtomicBool::new(false));
    let blockers: Vec<JobId> = (0..2)
        .map(|_| pool.submit(gated(&running, &gate).priority(-1)).unwrap())
        .collect();
    let queued = pool
        .submit(NewJob::new(|_: &JobContext| Ok(Output::default())).priority(-2))
        .unwrap();
    wait_until("both blockers to run", PATIENCE, || {
        running.load(Ordering::SeqCst) == 2
    });
    assert!(pool.cancel(queued));
    assert!(pool.stop(blockers[0]));
    gate.store(true, Ordering::SeqCst);
    let mut ids = vec![flaky, dependent, queued];
    ids.extend(blockers);
    until_finished(&mut events, &ids);
    assert!(calls.load(Ordering::SeqCst) > 0);
}

#[test]
fn the_waker_tells_a_change_of_state_from_progress() {
    use jobdeck::engine::Wake;
    let (pool, mut events) = Pool::new(1).unwrap();
    let wakes = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&wakes);
    assert!(pool.set_waker(move |wake| record.lock().unwrap().push(wake)));
    let id = pool
        .submit(NewJob::new(|ctx: &JobContext| {
            ctx.progress(0.5);
            ctx.sample("walk", 0.0, 1.0);
            ctx.log("half way");
            Ok(Output::default())
        }))
        .unwrap();
    until_finished(&mut events, &[id]);
    // Start and end wake the window at once; the rest may wait a little.
    assert_eq!(
        *wakes.lock().unwrap(),
        [
            Wake::Change,
            Wake::Update,
            Wake::Update,
            Wake::Update,
            Wake::Change
        ]
    );
}
