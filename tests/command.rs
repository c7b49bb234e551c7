//! Command jobs running real programs through a real pool.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{PATIENCE, wait_for, wait_until};
use jobdeck::engine::{
    Event, EventKind, EventReceiver, Job, JobContext, JobId, NewJob, Outcome, Output, Pool,
};
use jobdeck::jobs::{CommandJob, CommandLineError};
use regex::Regex;

fn argv(words: &[&str]) -> Vec<String> {
    words.iter().map(|word| (*word).to_owned()).collect()
}

fn sh(script: &str) -> CommandJob {
    CommandJob::new(argv(&[script])).shell(true)
}

/// Everything one job reported, up to and including its end.
struct Report {
    events: Vec<EventKind>,
}

impl Report {
    fn outcome(&self) -> &Outcome {
        match self.events.last() {
            Some(EventKind::Finished(outcome)) => outcome,
            other => panic!("no outcome, last event {other:?}"),
        }
    }

    fn lines(&self) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|kind| match kind {
                EventKind::Log { lines, .. } => Some(lines),
                _ => None,
            })
            .flatten()
            .map(|line| line.text.clone())
            .collect()
    }

    fn progress(&self) -> Vec<f32> {
        self.events
            .iter()
            .filter_map(|kind| match kind {
                EventKind::Progress(value) => Some(*value),
                _ => None,
            })
            .collect()
    }

    fn samples(&self, name: &str) -> Vec<[f64; 2]> {
        self.events
            .iter()
            .filter_map(|kind| match kind {
                EventKind::Samples { series, points } if &**series == name => Some(points.clone()),
                _ => None,
            })
            .flatten()
            .collect()
    }
}

fn collect(events: &mut EventReceiver, id: JobId) -> Report {
    let mut report = Report { events: Vec::new() };
    loop {
        let Event { job, kind } = events
            .recv_timeout(PATIENCE)
            .expect("the job should end in time");
        if job != id {
            continue;
        }
        let done = kind.is_terminal();
        report.events.push(kind);
        if done {
            return report;
        }
    }
}

fn run(job: CommandJob) -> Report {
    let (pool, mut events) = Pool::new(2).unwrap();
    let id = pool.submit(NewJob::new(job)).unwrap();
    collect(&mut events, id)
}

fn temp_log(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("job.log")
}

fn failed(report: &Report) -> (String, Option<i32>) {
    match report.outcome() {
        Outcome::Failed { error, exit_code } => (error.clone(), *exit_code),
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[test]
fn success_is_exit_code_zero_and_output_is_logged() {
    let dir = tempfile::tempdir().unwrap();
    let report = run(CommandJob::new(argv(&["echo", "hello", "world"])).log_file(temp_log(&dir)));
    match report.outcome() {
        Outcome::Succeeded(output) => {
            assert_eq!(output.exit_code, Some(0));
            assert_eq!(output.summary, "exited with code 0");
        }
        other => panic!("expected success, got {other:?}"),
    }
    assert_eq!(report.lines(), ["hello world"]);
}

#[test]
fn a_non_zero_exit_code_fails_with_the_code() {
    let dir = tempfile::tempdir().unwrap();
    let report = run(sh("echo oops >&2; exit 3").log_file(temp_log(&dir)));
    assert_eq!(failed(&report), ("exited with code 3".to_owned(), Some(3)));
    // stderr goes to the log too, unprefixed.
    assert_eq!(report.lines(), ["oops"]);
}

#[test]
fn a_signal_fails_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let report = run(sh("kill -9 $$").log_file(temp_log(&dir)));
    assert_eq!(
        failed(&report),
        ("killed by signal 9 (SIGKILL)".to_owned(), None)
    );
}

#[test]
fn spawn_failures_say_which() {
    let dir = tempfile::tempdir().unwrap();
    let report = run(CommandJob::new(argv(&["no-such-program-jobdeck"])).log_file(temp_log(&dir)));
    assert_eq!(
        failed(&report).0,
        "program not found: no-such-program-jobdeck"
    );

    let script = dir.path().join("not-executable.sh");
    std::fs::write(&script, "#!/bin/sh\necho hi\n").unwrap();
    let script = script.to_str().unwrap().to_owned();
    let report = run(CommandJob::new(vec![script.clone()]).log_file(temp_log(&dir)));
    assert_eq!(failed(&report).0, format!("permission denied: {script}"));

    let report = run(CommandJob::new(argv(&["true"]))
        .cwd(PathBuf::from("/no/such/dir/jobdeck"))
        .log_file(temp_log(&dir)));
    assert_eq!(
        failed(&report).0,
        "working directory not found: /no/such/dir/jobdeck"
    );
}

#[test]
fn cwd_and_env_reach_the_program() {
    let dir = tempfile::tempdir().unwrap();
    let report = run(
        CommandJob::new(argv(&["sh", "-c", "pwd; echo \"$GREETING\""]))
            .cwd(dir.path().to_path_buf())
            .env("GREETING", "hi there")
            .log_file(temp_log(&dir)),
    );
    let expected = dir.path().canonicalize().unwrap();
    assert_eq!(report.lines(), [expected.to_str().unwrap(), "hi there"]);
}

#[test]
fn argv_is_not_a_shell_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let report = run(CommandJob::new(argv(&["echo", "$HOME", "|", "wc"])).log_file(temp_log(&dir)));
    assert_eq!(report.lines(), ["$HOME | wc"]);
    let report = run(CommandJob::new(argv(&["echo", "a b", "|", "wc", "-w"]))
        .shell(true)
        .log_file(temp_log(&dir)));
    assert_eq!(report.lines(), ["2"]);
}

#[test]
fn from_command_line_splits_like_a_shell() {
    let job = CommandJob::from_command_line(r#"grep -n "two words" 'file name.txt'"#).unwrap();
    assert_eq!(
        job.argv(),
        argv(&["grep", "-n", "two words", "file name.txt"])
    );
    assert_eq!(job.command_line(), r"grep -n 'two words' 'file name.txt'");
    assert_eq!(
        CommandJob::from_command_line("   ").unwrap_err(),
        CommandLineError::Empty
    );
    assert_eq!(
        CommandJob::from_command_line("'' x").unwrap_err(),
        CommandLineError::Empty
    );
    assert_eq!(
        CommandJob::from_command_line("echo 'open").unwrap_err(),
        CommandLineError::Unbalanced
    );
}

#[test]
fn carriage_return_percentages_become_progress() {
    let dir = tempfile::tempdir().unwrap();
    let report =
        run(sh(r"printf ' 10%%|#   |\r 50%%|##  |\r100%%|####|\n'").log_file(temp_log(&dir)));
    assert!(matches!(report.outcome(), Outcome::Succeeded(_)));
    assert_eq!(report.progress().last(), Some(&1.0));
    assert_eq!(report.lines(), [" 10%|#   |", " 50%|##  |", "100%|####|"]);
}

#[test]
fn fractions_become_progress() {
    let dir = tempfile::tempdir().unwrap();
    let report = run(sh("echo '[ 3/4] building'").log_file(temp_log(&dir)));
    assert_eq!(report.progress(), [0.75]);
}

#[test]
fn a_progress_regex_replaces_the_heuristics() {
    let dir = tempfile::tempdir().unwrap();
    let report = run(sh("echo 'file 1 of 4 (90%)'")
        .progress_regex(Regex::new(r"file (\d+) of (\d+)").unwrap())
        .log_file(temp_log(&dir)));
    assert_eq!(report.progress(), [0.25]);
}

#[test]
fn jobdeck_lines_become_progress_and_samples_not_log() {
    let dir = tempfile::tempdir().unwrap();
    let log = temp_log(&dir);
    let report = run(sh(
        "echo jobdeck:progress 0.4; echo jobdeck:sample loss 1 0.5; echo jobdeck:sample loss 2 0.25; echo plain",
    )
    .log_file(log.clone()));
    assert_eq!(report.progress(), [0.4]);
    assert_eq!(report.samples("loss"), [[1.0, 0.5], [2.0, 0.25]]);
    assert_eq!(report.lines(), ["plain"]);
    // The file keeps everything.
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        text,
        "jobdeck:progress 0.4\njobdeck:sample loss 1 0.5\njobdeck:sample loss 2 0.25\nplain\n"
    );
}

#[test]
fn the_log_file_holds_every_line() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("deeper/still/job.log");
    let report = run(CommandJob::new(argv(&["seq", "1", "20000"])).log_file(log.clone()));
    assert!(matches!(report.outcome(), Outcome::Succeeded(_)));
    let text = std::fs::read_to_string(&log).unwrap();
    let expected = (1..=20000).fold(String::new(), |mut text, n| {
        text.push_str(&n.to_string());
        text.push('\n');
        text
    });
    assert_eq!(text, expected);
}

#[test]
fn stdout_and_stderr_lines_keep_the_order_they_were_written_in() {
    let dir = tempfile::tempdir().unwrap();
    let log = temp_log(&dir);
    let report = run(sh("echo 1; echo 2 >&2; echo 3; echo 4 >&2").log_file(log.clone()));
    assert_eq!(report.lines(), ["1", "2", "3", "4"]);
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "1\n2\n3\n4\n");
}

#[test]
fn a_silent_program_leaves_no_log_file_and_a_talking_one_does() {
    let dir = tempfile::tempdir().unwrap();
    let silent = dir.path().join("silent/job.log");
    let report = run(CommandJob::new(argv(&["true"])).log_file(silent.clone()));
    assert!(matches!(report.outcome(), Outcome::Succeeded(_)));
    assert!(
        !silent.exists(),
        "a silent program should leave no log file"
    );
    assert!(!dir.path().join("silent").exists(), "nor its directory");

    let talking = dir.path().join("talking/job.log");
    let report = run(sh("echo said; echo more >&2").log_file(talking.clone()));
    assert!(matches!(report.outcome(), Outcome::Succeeded(_)));
    assert_eq!(std::fs::read_to_string(&talking).unwrap(), "said\nmore\n");
}

/// The state letter of `pid` in `/proc/<pid>/stat` (`R`, `S`, `T`, `Z`...),
/// `None` once it is gone.
fn process_state(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name in parentheses may hold spaces; the state follows it.
    stat.rsplit(')')
        .next()
        .and_then(|rest| rest.split_whitespace().next())
        .map(str::to_owned)
}

/// Whether `pid` is still a live process (a zombie counts as dead: it has
/// ended and only waits to be reaped).
fn alive(pid: u32) -> bool {
    !matches!(process_state(pid).as_deref(), Some("Z" | "X") | None)
}

fn pids_in(lines: &[String]) -> Vec<u32> {
    lines
        .iter()
        .filter_map(|line| line.strip_prefix("pid "))
        .map(|pid| pid.trim().parse().unwrap())
        .collect()
}

/// A shell that starts two sleeping children, prints every pid, and waits.
const FAMILY: &str = "sleep 1000 & echo pid $!; sh -c 'sleep 1000 & echo pid $!; wait' & echo pid $!; echo pid $$; wait";

fn start_family(
    pool: &Pool,
    events: &mut EventReceiver,
    job: NewJob,
) -> (JobId, Vec<u32>, Vec<EventKind>) {
    let id = pool.submit(job).unwrap();
    let mut seen = Vec::new();
    let mut pids = Vec::new();
    wait_until("the family's pids in the log", PATIENCE, || {
        while let Ok(event) = events.try_recv() {
            if event.job == id {
                if let EventKind::Log { lines, .. } = &event.kind {
                    let texts: Vec<String> = lines.iter().map(|line| line.text.clone()).collect();
                    pids.extend(pids_in(&texts));
                }
                seen.push(event.kind);
            }
        }
        pids.len() == 4
    });
    assert!(pids.iter().all(|&pid| alive(pid)), "all four processes run");
    (id, pids, seen)
}

fn assert_all_dead(pids: &[u32]) {
    wait_until("every process of the job to be gone", PATIENCE, || {
        pids.iter().all(|&pid| !alive(pid))
    });
}

fn finish(events: &mut EventReceiver, id: JobId) -> Outcome {
    wait_for("the job's end", PATIENCE, || {
        events.try_recv().ok().and_then(|event| match event.kind {
            EventKind::Finished(outcome) if event.job == id => Some(outcome),
            _ => None,
        })
    })
}

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

#[test]
fn retries_append_to_the_same_log() {
    let dir = tempfile::tempdir().unwrap();
    let log = temp_log(&dir);
    let (pool, mut events) = Pool::new(1).unwrap();
    let id = pool
        .submit(NewJob::new(sh("echo try; exit 1").log_file(log.clone())).retries(1))
        .unwrap();
    let report = collect(&mut events, id);
    assert_eq!(failed(&report).0, "exited with code 1");
    assert_eq!(
        std::fs::read_to_string(Path::new(&log)).unwrap(),
        "try\n--- jobdeck: attempt 2 ---\ntry\n"
    );
}

#[test]
fn a_retry_after_a_silent_attempt_starts_the_log_with_its_separator() {
    let dir = tempfile::tempdir().unwrap();
    let log = temp_log(&dir);
    let (pool, mut events) = Pool::new(1).unwrap();
    let script = r#"if [ "$JOBDECK_ATTEMPT" = 2 ]; then echo second; fi; exit 1"#;
    let id = pool
        .submit(NewJob::new(sh(script).log_file(log.clone())).retries(1))
        .unwrap();
    let report = collect(&mut events, id);
    assert_eq!(failed(&report).0, "exited with code 1");
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "--- jobdeck: attempt 2 ---\nsecond\n"
    );
}

/// A process as `/proc/<pid>/stat` shows it.
struct ProcessInfo {
    pid: u32,
    state: String,
    parent: u32,
}

/// The live processes in the process group `group` (zombies left out).
fn group_members(group: u32) -> Vec<ProcessInfo> {
    let mut members = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // After the name: state, parent pid, process group.
        let fields: Vec<&str> = stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .split_whitespace()
            .collect();
        if fields.len() > 2 && fields[2] == group.to_string() && !matches!(fields[0], "Z" | "X") {
            members.push(ProcessInfo {
                pid,
                state: fields[0].to_owned(),
                parent: fields[1].parse().unwrap_or(0),
            });
        }
    }
    members
}

/// Whether every process of the group is stopped (state `T`).
///
/// One exception: a shell that vforked a child waits in `D` until the child
/// execs, so when the SIGSTOP catches the child before its exec, the shell
/// shows `D` (its own SIGSTOP pending) while its stopped child holds it.
fn group_is_stopped(group: u32) -> bool {
    let members = group_members(group);
    let stopped = |pid: u32| members.iter().any(|m| m.pid == pid && m.state == "T");
    !members.is_empty()
        && members.iter().all(|member| {
            member.state == "T"
                || (member.state == "D"
                    && members
                        .iter()
                        .any(|child| child.parent == member.pid && stopped(child.pid)))
        })
}

/// Prints its pid, then a counter every 10 ms, forever.
const COUNTER: &str = "echo pid $$; i=0; while true; do i=$((i+1)); echo $i; sleep 0.01; done";

/// One job's log, followed while the test acts on the job.
struct Follow<'a> {
    events: &'a mut EventReceiver,
    id: JobId,
    lines: Vec<String>,
    outcome: Option<Outcome>,
}

impl<'a> Follow<'a> {
    fn start(pool: &Pool, events: &'a mut EventReceiver, job: NewJob) -> (Self, u32) {
        let id = pool.submit(job).unwrap();
        let mut follow = Self {
            events,
            id,
            lines: Vec::new(),
            outcome: None,
        };
        let pid = wait_for("the program's pid in the log", PATIENCE, || {
            follow.pump();
            pids_in(&follow.lines).first().copied()
        });
        (follow, pid)
    }

    /// Takes the events waiting now; returns whether log lines came.
    fn pump(&mut self) -> bool {
        let mut new_lines = false;
        while let Ok(event) = self.events.try_recv() {
            if event.job != self.id {
                continue;
            }
            match event.kind {
                EventKind::Log { lines, .. } => {
                    new_lines |= !lines.is_empty();
                    self.lines.extend(lines.into_iter().map(|line| line.text));
                }
                EventKind::Finished(outcome) => self.outcome = Some(outcome),
                _ => {}
            }
        }
        new_lines
    }

    /// The counter's latest value.
    fn count(&self) -> Option<u64> {
        self.lines.iter().rev().find_map(|line| line.parse().ok())
    }

    fn wait_for_count(&mut self, what: &str, at_least: u64) {
        wait_until(what, PATIENCE, || {
            self.pump();
            self.count() >= Some(at_least)
        });
    }

    fn wait_for_line(&mut self, line: &str) {
        wait_until(&format!("`{line}` in the log"), PATIENCE, || {
            self.pump();
            self.lines.iter().any(|seen| seen == line)
        });
    }

    fn finish(&mut self) -> Outcome {
        wait_for("the job's end", PATIENCE, || {
            self.pump();
            self.outcome.clone()
        })
    }
}

/// Pauses the job and waits until its whole group is stopped (state `T`).
fn pause(pool: &Pool, follow: &mut Follow, pgid: u32) {
    assert!(pool.set_job_paused(follow.id, true), "the job was live");
    wait_until("every process of the group to be stopped", PATIENCE, || {
        group_is_stopped(pgid)
    });
    follow.wait_for_line("jobdeck: paused");
}

fn assert_group_gone(pgid: u32) {
    wait_until("no process of the group to remain", PATIENCE, || {
        group_members(pgid).is_empty()
    });
}

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
