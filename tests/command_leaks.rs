//! A long-lived jobdeck runs command jobs whose programs leave escaped
//! processes behind (`setsid`, a daemon's double fork), and keeps no thread,
//! no file descriptor and no process of theirs.
//!
//! A test binary of its own: it counts this process's threads and file
//! descriptors, which tests running beside it would change.

mod common;

use std::time::{Duration, Instant};

use common::{PATIENCE, wait_until};
use jobdeck::engine::{EventKind, EventReceiver, JobId, NewJob, Outcome, Pool};
use jobdeck::jobs::CommandJob;

fn entries(dir: &str) -> usize {
    std::fs::read_dir(dir).unwrap().count()
}

fn threads() -> usize {
    entries("/proc/self/task")
}

fn descriptors() -> usize {
    entries("/proc/self/fd")
}

/// A job that leaves an escapee holding its output pipes, and prints its pid.
fn escaping_job(dir: &std::path::Path, n: usize) -> NewJob {
    let script = if n.is_multiple_of(2) {
        "setsid sleep 7321 & echo pid $!".to_owned()
    } else {
        format!(
            "(setsid sh -c 'sleep 7321 & echo $! > {n}.pid' &)
             until [ -s {n}.pid ]; do sleep 0.01; done
             echo pid $(cat {n}.pid)"
        )
    };
    NewJob::new(
        CommandJob::new(vec![script])
            .shell(true)
            .cwd(dir.to_path_buf())
            .log_dir(dir.to_path_buf()),
    )
}

/// Runs `jobs`, waits for every end, and returns the pids they printed.
fn run_all(pool: &Pool, events: &mut EventReceiver, jobs: Vec<NewJob>) -> Vec<u32> {
    let ids: Vec<JobId> = pool.submit_all(jobs).unwrap();
    let mut pids = Vec::new();
    let mut ended = 0;
    while ended < ids.len() {
        let event = events.recv_timeout(PATIENCE).expect("jobs end in time");
        match event.kind {
            EventKind::Log { lines, .. } => pids.extend(
                lines
                    .iter()
                    .filter_map(|line| line.text.strip_prefix("pid "))
                    .map(|pid| pid.parse::<u32>().unwrap()),
            ),
            EventKind::Finished(outcome) => {
                assert!(matches!(outcome, Outcome::Succeeded(_)), "{outcome:?}");
                ended += 1;
            }
            _ => {}
        }
    }
    pids
}

/// Waits (5 s at most) until `count()` is back to `before` at most: a
/// thread leaves /proc a moment after it is joined.
fn settles(what: &str, count: fn() -> usize, before: usize) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let now = count();
        if now <= before {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: {before} before the jobs, {now} after"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn ten_jobs_with_escaped_processes_leak_no_thread_fd_or_process() {
    let dir = tempfile::tempdir().unwrap();
    let (pool, mut events) = Pool::new(2).unwrap();
    // A first round brings up whatever the pool starts on demand.
    let warm_up = (0..2).map(|n| escaping_job(dir.path(), n)).collect();
    run_all(&pool, &mut events, warm_up);
    let (threads_before, descriptors_before) = (threads(), descriptors());

    let jobs = (0..10).map(|n| escaping_job(dir.path(), n + 2)).collect();
    let pids = run_all(&pool, &mut events, jobs);

    settles("threads", threads, threads_before);
    settles("file descriptors", descriptors, descriptors_before);
    assert_eq!(pids.len(), 10, "every job printed its escapee's pid");
    for pid in pids {
        wait_until(
            &format!("escapee {pid} killed and reaped"),
            PATIENCE,
            || !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        );
    }
}
