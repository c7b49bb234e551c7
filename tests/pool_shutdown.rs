//! Dropping the pool joins every thread it started. Alone in its own test
//! binary so no other test's pool is alive while threads are counted.

mod common;

use std::time::Duration;

use jobdeck::engine::{JobContext, NewJob, Output, Pool};

/// Names of this process's threads that belong to a pool.
fn pool_threads() -> Vec<String> {
    std::fs::read_dir("/proc/self/task")
        .expect("/proc is readable")
        .filter_map(|task| {
            let comm = std::fs::read_to_string(task.ok()?.path().join("comm")).ok()?;
            let name = comm.trim().to_owned();
            name.starts_with("jobdeck-").then_some(name)
        })
        .collect()
}

#[test]
fn dropping_the_pool_leaves_no_thread_alive() {
    let (pool, _events) = Pool::new(8).unwrap();
    for _ in 0..16 {
        pool.submit(NewJob::new(|ctx: &JobContext| {
            // Runs until stopped: the drop has to stop it.
            ctx.sleep(Duration::from_secs(3600))?;
            Ok(Output::default())
        }))
        .unwrap();
    }
    common::wait_until("eight workers to run", common::PATIENCE, || {
        pool.counts().running == 8
    });
    // Eight workers and the timer.
    assert_eq!(pool_threads().len(), 9, "{:?}", pool_threads());
    drop(pool);
    assert_eq!(pool_threads(), Vec::<String>::new());
}
