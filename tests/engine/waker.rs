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
    assert!(pool.set_waker(move || {
        // Each of these takes the pool's lock; under it, this would deadlock.
        let _ = pool.counts();
        let _ = pool.is_paused();
        counted.fetch_add(1, Ordering::SeqCst);
    }));
    let ids: Vec<JobId> = (0..50)
        .map(|i| {
            let job = NewJob::new(|ctx: &JobContext| {
                ctx.progress(0.5);
                ctx.log("half way");
                Ok(Output::default())
            });
            // Some through the express lane, some through the queue.
            let job = if i % 2 == 0 { job } else { job.retries(1) };
            pool.submit(job).unwrap()
        })
        .collect();
    until_finished(&mut events, &ids);
    assert!(calls.load(Ordering::SeqCst) > 0);
}
