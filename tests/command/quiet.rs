//! A quiet command costs its worker few wake-ups and still stops at once.

use std::time::{Duration, Instant};

use jobdeck::engine::{Job, JobContext, NewJob, Outcome, Output, Pool};
use jobdeck::jobs::CommandJob;

use crate::common::{PATIENCE, wait_until};
use crate::support::{Follow, argv, assert_group_gone, collect, sh, temp_log};

/// How many times the calling thread has given up the CPU of its own accord
/// (each wake-up from a wait counts one).
fn voluntary_switches() -> u64 {
    let status = std::fs::read_to_string("/proc/thread-self/status").unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("voluntary_ctxt_switches:"))
        .and_then(|count| count.trim().parse().ok())
        .expect("the thread's switch count")
}

#[test]
fn a_quiet_command_rarely_wakes_its_worker() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = CommandJob::new(argv(&["sleep", "2"])).log_file(temp_log(&dir));
    // Counted on the worker thread itself, around the command's whole run.
    let job = move |ctx: &JobContext| {
        let before = voluntary_switches();
        command.run(ctx)?;
        Ok(Output::text((voluntary_switches() - before).to_string()))
    };
    let (pool, mut events) = Pool::new(1).unwrap();
    let id = pool.submit(NewJob::new(job)).unwrap();
    let report = collect(&mut events, id);
    let Outcome::Succeeded(output) = report.outcome() else {
        panic!("expected success, got {:?}", report.outcome());
    };
    let wake_ups: u64 = output.summary.parse().unwrap();
    // Polling every 5 ms would be 400 over two seconds.
    assert!(wake_ups < 150, "{wake_ups} wake-ups in a quiet 2 s run");
}

#[test]
fn a_quiet_command_still_stops_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let (pool, mut events) = Pool::new(2).unwrap();
    let job = NewJob::new(sh("echo pid $$; exec sleep 1000").log_file(temp_log(&dir)));
    let (mut follow, pid) = Follow::start(&pool, &mut events, job);
    // Quiet long enough for the watch loop to sleep its longest.
    let quiet = Instant::now();
    wait_until("the program to be quiet for a second", PATIENCE, || {
        follow.pump();
        quiet.elapsed() >= Duration::from_secs(1)
    });
    let asked = Instant::now();
    assert!(pool.stop(follow.id), "the job was running");
    assert_eq!(follow.finish(), Outcome::Stopped);
    let took = asked.elapsed();
    assert!(took < Duration::from_secs(2), "stopped in {took:?}");
    assert_group_gone(pid);
}
