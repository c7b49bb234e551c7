//! Processes that leave their job's process group (`setsid`, a daemon's
//! double fork) still end with their job: they get its stop and pause
//! signals, are killed when it ends, and are reaped (gone from `/proc`, not
//! left as zombies). One that cannot be told to be the job's cannot keep
//! the job, or its output reader, alive.

use std::time::{Duration, Instant};

use jobdeck::engine::{NewJob, Outcome, Pool};
use nix::sys::signal::{Signal, kill};
use nix::sys::wait::waitpid;
use nix::unistd::Pid;

use crate::common::{PATIENCE, wait_until};
use crate::support::{Follow, alive, collect, pids_in, process_state, run, sh, temp_log};

/// Waits until `pid` is gone from `/proc`: dead and reaped.
fn assert_reaped(pid: u32) {
    wait_until(
        &format!("process {pid} to be killed and reaped"),
        PATIENCE,
        || process_state(pid).is_none(),
    );
}

/// The state letter of `pid`, waited for until it is `state`.
fn wait_for_state(pid: u32, state: &str) {
    wait_until(&format!("process {pid} in state {state}"), PATIENCE, || {
        process_state(pid).as_deref() == Some(state)
    });
}

fn nix_pid(pid: u32) -> Pid {
    Pid::from_raw(i32::try_from(pid).unwrap())
}

/// The threads of this process whose name is `name`.
fn threads_named(name: &str) -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .flatten()
        .filter(|task| {
            std::fs::read_to_string(task.path().join("comm")).is_ok_and(|comm| comm.trim() == name)
        })
        .count()
}

#[test]
fn a_setsid_child_dies_with_a_leader_that_exits_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let report = run(sh("setsid sleep 1000 & echo pid $!").log_file(temp_log(&dir)));
    assert!(matches!(report.outcome(), Outcome::Succeeded(_)));
    let pids = pids_in(&report.lines());
    assert_eq!(pids.len(), 1);
    assert_reaped(pids[0]);
}

#[test]
fn a_daemon_that_double_forks_dies_with_its_job() {
    let dir = tempfile::tempdir().unwrap();
    // The daemon's parent exits at once, so the daemon is an orphan in a
    // session of its own; the leader waits only to print its pid.
    let script = "(setsid sh -c 'sleep 1000 & echo $! > daemon.pid' &)
                  until [ -s daemon.pid ]; do sleep 0.01; done
                  echo pid $(cat daemon.pid)";
    let report = run(sh(script)
        .cwd(dir.path().to_path_buf())
        .log_file(temp_log(&dir)));
    assert!(matches!(report.outcome(), Outcome::Succeeded(_)));
    let pids = pids_in(&report.lines());
    assert_eq!(pids.len(), 1);
    assert_reaped(pids[0]);
}

#[test]
fn a_stop_reaches_escaped_processes_too() {
    let dir = tempfile::tempdir().unwrap();
    let (pool, mut events) = Pool::new(1).unwrap();
    // The leader waits for the escapee, which ends only on SIGTERM: were the
    // escapee not signalled, only SIGKILL after the long grace would end it.
    let script = r#"trap 'wait; exit 0' TERM
        setsid sh -c 'trap "echo escapee got TERM; exit 0" TERM; echo pid $$; while :; do sleep 0.01; done' &
        wait"#;
    let grace = Duration::from_secs(60);
    let job = NewJob::new(sh(script).grace(grace).log_file(temp_log(&dir)));
    let (mut follow, escapee) = Follow::start(&pool, &mut events, job);

    let asked = Instant::now();
    assert!(pool.stop(follow.id), "the job was running");
    assert_eq!(follow.finish(), Outcome::Stopped);
    assert!(
        asked.elapsed() < grace / 4,
        "stopped in {:?}",
        asked.elapsed()
    );
    assert!(
        follow.lines.iter().any(|line| line == "escapee got TERM"),
        "{:?}",
        follow.lines
    );
    assert_reaped(escapee);
}

#[test]
fn pausing_a_job_stops_its_escaped_processes_too() {
    let dir = tempfile::tempdir().unwrap();
    let (pool, mut events) = Pool::new(1).unwrap();
    let script =
        "setsid sh -c 'echo pid $$; i=0; while :; do i=$((i+1)); echo $i; sleep 0.01; done' &
                  wait";
    let job = NewJob::new(sh(script).log_file(temp_log(&dir)));
    let (mut follow, escapee) = Follow::start(&pool, &mut events, job);
    follow.wait_for_count("the escapee to count", 3);

    assert!(pool.set_job_paused(follow.id, true), "the job was live");
    follow.wait_for_line("jobdeck: paused");
    wait_for_state(escapee, "T");

    assert!(pool.set_job_paused(follow.id, false), "the job was live");
    follow.wait_for_line("jobdeck: resumed");
    let resumed_at = follow.count().unwrap();
    follow.wait_for_count("the escapee to count again", resumed_at + 3);

    assert!(pool.stop(follow.id), "the job was running");
    assert_eq!(follow.finish(), Outcome::Stopped);
    assert_reaped(escapee);
}

#[test]
fn a_process_that_cannot_be_told_apart_does_not_hold_the_job_open() {
    let dir = tempfile::tempdir().unwrap();
    // `env -i` drops JOBDECK_JOB_ID and the subshell orphans it at once:
    // jobdeck cannot tell it is the job's (unless a look at the job's tree
    // happens to fall in the millisecond before the orphaning, which the
    // pause at the start makes unlikely), and it holds the output pipes.
    let script = "sleep 0.25; (setsid env -i sh -c 'echo $$ > holder.pid; exec sleep 1000' &)
                  until [ -s holder.pid ]; do sleep 0.01; done
                  echo pid $(cat holder.pid)";
    let (pool, mut events) = Pool::new(1).unwrap();
    let id = pool
        .submit(NewJob::new(
            sh(script)
                .cwd(dir.path().to_path_buf())
                .log_file(temp_log(&dir)),
        ))
        .unwrap();
    let reader = format!("jd-out-{}", id.short());
    let report = collect(&mut events, id);
    assert!(matches!(report.outcome(), Outcome::Succeeded(_)));
    // Cleans up when the test ends, passed or failed.
    let _holder = Holder(pids_in(&report.lines())[0]);
    wait_until("the job's output reader to end", PATIENCE, || {
        threads_named(&reader) == 0
    });
}

/// A process the test itself must kill and reap, when dropped.
struct Holder(u32);

impl Drop for Holder {
    fn drop(&mut self) {
        // This process is the subreaper of what it spawns, so the holder is
        // its child now, to reap.
        if alive(self.0) {
            let _ = kill(nix_pid(self.0), Signal::SIGKILL);
        }
        let _ = waitpid(nix_pid(self.0), None);
    }
}
