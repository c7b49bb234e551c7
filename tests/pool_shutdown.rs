//! The threads a pool holds: dropping it joins every one, and remote jobs
//! hold none. Alone in its own test binary so no other test's pool is alive
//! while threads are counted; the tests here take turns.

mod common;

use std::sync::Mutex;
use std::time::Duration;

use jobdeck::engine::{JobContext, NewJob, Output, Pool, RemoteHandle, RemoteJob};

/// Held by each test while it counts threads.
static COUNTING: Mutex<()> = Mutex::new(());

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
    let _turn = COUNTING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let (pool, _events) = Pool::new(8).unwrap();
    for _ in 0..16 {
        pool.submit(NewJob::new(|ctx: &JobContext| {
            // Runs until stopped: the drop has to stop it.
            ctx.sleep(Duration::from_secs(3600))?;
            Ok(Output::default())
        }))
        .unwrap();
    }
    // Eight workers and the timer. A thread shows its name once it has been
    // scheduled, which on a busy machine takes a moment after the spawn.
    common::wait_until("eight workers and the timer", common::PATIENCE, || {
        pool_threads().len() == 9
    });
    assert_eq!(pool.counts().running, 8);
    drop(pool);
    no_pool_thread_left();
}

/// Waits until no pool thread is listed. A joined thread can stay in
/// `/proc/self/task` for a moment after `join` returns (the kernel wakes the
/// joiner before it reaps the thread), so this polls up to a deadline.
fn no_pool_thread_left() {
    common::wait_until("no pool thread left", common::PATIENCE, || {
        pool_threads().is_empty()
    });
}

/// A remote job that stays in flight until stopped; its handles wait in a
/// list, as a cluster executor's poller would keep them.
struct Parked(std::sync::Arc<Mutex<Vec<RemoteHandle>>>);

impl RemoteJob for Parked {
    fn start(&self, handle: RemoteHandle) {
        self.0.lock().unwrap().push(handle);
    }
}

#[test]
fn a_thousand_remote_jobs_in_flight_hold_no_worker_thread() {
    let _turn = COUNTING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let (pool, _events) = Pool::new(1000).unwrap();
    let parked = std::sync::Arc::new(Mutex::new(Vec::new()));
    let jobs = (0..1000)
        .map(|_| NewJob::remote(Parked(std::sync::Arc::clone(&parked))))
        .collect();
    pool.submit_all(jobs).unwrap();
    common::wait_until("a thousand remote jobs in flight", common::PATIENCE, || {
        pool.counts().running == 1000
    });
    let parked_at_first = parked.lock().unwrap().len();
    // The executor reports every job stopped once asked. It runs before the
    // checks below, so a failed check ends the test instead of leaving the
    // pool's drop waiting for jobs nobody would finish.
    let finisher = {
        let parked = std::sync::Arc::clone(&parked);
        std::thread::spawn(move || {
            loop {
                let handles: Vec<RemoteHandle> = parked.lock().unwrap().drain(..).collect();
                let mut stopped = 0;
                for handle in handles {
                    if handle.should_stop() {
                        handle.finish(Err(jobdeck::engine::JobError::Stopped));
                        stopped += 1;
                    } else {
                        parked.lock().unwrap().push(handle);
                    }
                }
                if stopped > 0 && parked.lock().unwrap().is_empty() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        })
    };
    assert_eq!(parked_at_first, 1000);
    assert_eq!(pool.worker_threads(), 0);
    // A new thread shows its name once it has been scheduled.
    common::wait_until("the timer thread's name", common::PATIENCE, || {
        !pool_threads().is_empty()
    });
    assert_eq!(pool_threads(), ["jobdeck-timer"], "only the timer thread");
    drop(pool);
    finisher.join().unwrap();
    no_pool_thread_left();
}
