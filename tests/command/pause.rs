//! Pausing a command stops its process group; resuming continues it.

use std::time::{Duration, Instant};

use jobdeck::engine::{NewJob, Outcome, Pool};

use crate::common::{PATIENCE, wait_until};
use crate::support::{
    COUNTER, Follow, assert_group_gone, group_is_stopped, pause, process_state, sh, temp_log,
};

#[test]
fn pausing_stops_the_group_and_resuming_continues_it() {
    let dir = tempfile::tempdir().unwrap();
    let (pool, mut events) = Pool::new(2).unwrap();
    let job = NewJob::new(sh(COUNTER).log_file(temp_log(&dir)));
    let (mut follow, pid) = Follow::start(&pool, &mut events, job);
    follow.wait_for_count("the counter to count", 3);

    pause(&pool, &mut follow, pid);
    // Lines written just before the SIGSTOP may still be on their way; once
    // none has come for a while, the counter must stay where it is.
    let mut last_line_at = Instant::now();
    wait_until("the paused program's output to go quiet", PATIENCE, || {
        if follow.pump() {
            last_line_at = Instant::now();
        }
        last_line_at.elapsed() >= Duration::from_millis(150)
    });
    let frozen = follow.count().unwrap();
    let window = Instant::now();
    wait_until("an observation window to pass", PATIENCE, || {
        follow.pump();
        window.elapsed() >= Duration::from_millis(300)
    });
    assert_eq!(follow.count(), Some(frozen), "a paused counter moved");
    assert!(group_is_stopped(pid), "the group stays stopped");

    assert!(pool.set_job_paused(follow.id, false), "the job was live");
    follow.wait_for_line("jobdeck: resumed");
    follow.wait_for_count("the counter to move again", frozen + 3);
    assert_ne!(process_state(pid).as_deref(), Some("T"));

    assert!(pool.stop(follow.id), "the job was running");
    assert_eq!(follow.finish(), Outcome::Stopped);
    assert_group_gone(pid);
    let text = std::fs::read_to_string(temp_log(&dir)).unwrap();
    assert!(
        text.contains("\njobdeck: paused\n") && text.contains("\njobdeck: resumed\n"),
        "the full log has the pause and the resume"
    );
}

#[test]
fn a_paused_command_is_continued_to_act_on_a_stop() {
    let dir = tempfile::tempdir().unwrap();
    let (pool, mut events) = Pool::new(2).unwrap();
    // The trap runs only if the stopped shell gets SIGCONT; without it only
    // SIGKILL after the long grace would end the job.
    let script = format!("trap 'echo got TERM; exit 0' TERM; {COUNTER}");
    let grace = Duration::from_secs(60);
    let job = NewJob::new(sh(&script).grace(grace).log_file(temp_log(&dir)));
    let (mut follow, pid) = Follow::start(&pool, &mut events, job);
    pause(&pool, &mut follow, pid);

    let asked = Instant::now();
    assert!(pool.stop(follow.id), "the job was running");
    assert_eq!(follow.finish(), Outcome::Stopped);
    assert!(
        asked.elapsed() < grace / 4,
        "stopped only after {:?}",
        asked.elapsed()
    );
    assert!(follow.lines.iter().any(|line| line == "got TERM"));
    assert_group_gone(pid);
}

#[test]
fn a_timeout_while_paused_ends_the_group() {
    let dir = tempfile::tempdir().unwrap();
    let (pool, mut events) = Pool::new(2).unwrap();
    let job = NewJob::new(sh(COUNTER).log_file(temp_log(&dir))).timeout(Duration::from_secs(3));
    let (mut follow, pid) = Follow::start(&pool, &mut events, job);
    pause(&pool, &mut follow, pid);
    assert_eq!(follow.finish(), Outcome::TimedOut);
    assert_group_gone(pid);
}
