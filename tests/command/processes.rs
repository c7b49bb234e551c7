//! No process outlives its job: stops, the grace period, timeouts, a leader
//! that exits early, and a pool that is dropped.

use std::time::{Duration, Instant};

use jobdeck::engine::{NewJob, Outcome, Pool};

use crate::support::{FAMILY, assert_all_dead, finish, pids_in, run, sh, start_family, temp_log};

#[test]
fn stop_kills_children_and_grandchildren() {
    let dir = tempfile::tempdir().unwrap();
    let (pool, mut events) = Pool::new(2).unwrap();
    let job = NewJob::new(sh(FAMILY).log_file(temp_log(&dir)));
    let (id, pids, _) = start_family(&pool, &mut events, job);
    let asked = Instant::now();
    assert!(pool.stop(id), "the job was running");
    assert_eq!(finish(&mut events, id), Outcome::Stopped);
    // SIGTERM ends sh and sleep at once; nothing waits for the grace.
    assert!(
        asked.elapsed() < Duration::from_secs(4),
        "stopped in {:?}",
        asked.elapsed()
    );
    assert_all_dead(&pids);
}

#[test]
fn a_stop_ignored_gets_sigkill_after_the_grace() {
    let dir = tempfile::tempdir().unwrap();
    let (pool, mut events) = Pool::new(2).unwrap();
    // Ignoring TERM is inherited by the children, so only SIGKILL ends them.
    let script = format!("trap '' TERM; {FAMILY}");
    let grace = Duration::from_millis(300);
    let job = NewJob::new(sh(&script).grace(grace).log_file(temp_log(&dir)));
    let (id, pids, _) = start_family(&pool, &mut events, job);
    let asked = Instant::now();
    assert!(pool.stop(id), "the job was running");
    assert_eq!(finish(&mut events, id), Outcome::Stopped);
    assert!(
        asked.elapsed() >= grace,
        "SIGKILL came before the grace ended"
    );
    assert_all_dead(&pids);
}

#[test]
fn a_timeout_kills_the_group() {
    let dir = tempfile::tempdir().unwrap();
    let (pool, mut events) = Pool::new(2).unwrap();
    let job = NewJob::new(sh(FAMILY).log_file(temp_log(&dir))).timeout(Duration::from_millis(500));
    let (id, pids, _) = start_family(&pool, &mut events, job);
    assert_eq!(finish(&mut events, id), Outcome::TimedOut);
    assert_all_dead(&pids);
}

#[test]
fn grandchildren_do_not_outlive_a_leader_that_exits() {
    let dir = tempfile::tempdir().unwrap();
    let log = temp_log(&dir);
    // The leader exits at once, leaving a background sleeper holding stdout.
    let report = run(sh("sleep 1000 & echo pid $!; exit 0").log_file(log));
    assert!(matches!(report.outcome(), Outcome::Succeeded(_)));
    let pids = pids_in(&report.lines());
    assert_eq!(pids.len(), 1);
    assert_all_dead(&pids);
}

#[test]
fn dropping_the_pool_kills_running_commands() {
    let dir = tempfile::tempdir().unwrap();
    let (pool, mut events) = Pool::new(2).unwrap();
    let job = NewJob::new(sh(FAMILY).log_file(temp_log(&dir)));
    let (_, pids, _) = start_family(&pool, &mut events, job);
    drop(pool);
    assert_all_dead(&pids);
}
