//! Shared helpers for the command-job tests: running jobs, collecting what
//! they reported, and looking at their processes in `/proc`.

use std::path::PathBuf;

use jobdeck::engine::{
    Event, EventKind, EventReceiver, JobId, LineStatus, LogLine, NewJob, Outcome, Pool,
};
use jobdeck::jobs::CommandJob;

use crate::common::{PATIENCE, wait_for, wait_until};

pub fn argv(words: &[&str]) -> Vec<String> {
    words.iter().map(|word| (*word).to_owned()).collect()
}

pub fn sh(script: &str) -> CommandJob {
    CommandJob::new(argv(&[script])).shell(true)
}

/// Everything one job reported, up to and including its end.
pub struct Report {
    pub events: Vec<EventKind>,
}

impl Report {
    pub fn outcome(&self) -> &Outcome {
        match self.events.last() {
            Some(EventKind::Finished(outcome)) => outcome,
            other => panic!("no outcome, last event {other:?}"),
        }
    }

    /// The text of every log line that ended (redraws of unfinished lines
    /// left out).
    pub fn lines(&self) -> Vec<String> {
        self.log_lines().into_iter().map(|line| line.text).collect()
    }

    /// Every log line that ended (or stood alone), with its stream.
    pub fn log_lines(&self) -> Vec<LogLine> {
        self.every_log_line()
            .filter(|line| line.status != LineStatus::Unfinished)
            .cloned()
            .collect()
    }

    /// Every redraw of an unfinished line, in order.
    pub fn redraws(&self) -> Vec<LogLine> {
        self.every_log_line()
            .filter(|line| line.status == LineStatus::Unfinished)
            .cloned()
            .collect()
    }

    fn every_log_line(&self) -> impl Iterator<Item = &LogLine> {
        self.events
            .iter()
            .filter_map(|kind| match kind {
                EventKind::Log { lines, .. } => Some(lines),
                _ => None,
            })
            .flatten()
    }

    pub fn progress(&self) -> Vec<f32> {
        self.events
            .iter()
            .filter_map(|kind| match kind {
                EventKind::Progress(value) => Some(*value),
                _ => None,
            })
            .collect()
    }

    pub fn samples(&self, name: &str) -> Vec<[f64; 2]> {
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

pub fn collect(events: &mut EventReceiver, id: JobId) -> Report {
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

pub fn run(job: CommandJob) -> Report {
    let (pool, mut events) = Pool::new(2).unwrap();
    let id = pool.submit(NewJob::new(job)).unwrap();
    collect(&mut events, id)
}

pub fn temp_log(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("job.log")
}

pub fn failed(report: &Report) -> (String, Option<i32>) {
    match report.outcome() {
        Outcome::Failed { error, exit_code } => (error.clone(), *exit_code),
        other => panic!("expected a failure, got {other:?}"),
    }
}

/// The state letter of `pid` in `/proc/<pid>/stat` (`R`, `S`, `T`, `Z`...),
/// `None` once it is gone.
pub fn process_state(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name in parentheses may hold spaces; the state follows it.
    stat.rsplit(')')
        .next()
        .and_then(|rest| rest.split_whitespace().next())
        .map(str::to_owned)
}

/// Whether `pid` is still a live process (a zombie counts as dead: it has
/// ended and only waits to be reaped).
pub fn alive(pid: u32) -> bool {
    !matches!(process_state(pid).as_deref(), Some("Z" | "X") | None)
}

pub fn pids_in(lines: &[String]) -> Vec<u32> {
    lines
        .iter()
        .filter_map(|line| line.strip_prefix("pid "))
        .map(|pid| pid.trim().parse().unwrap())
        .collect()
}

/// A shell that starts two sleeping children, prints every pid, and waits.
pub const FAMILY: &str = "sleep 1000 & echo pid $!; sh -c 'sleep 1000 & echo pid $!; wait' & echo pid $!; echo pid $$; wait";

pub fn start_family(
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

pub fn assert_all_dead(pids: &[u32]) {
    wait_until("every process of the job to be gone", PATIENCE, || {
        pids.iter().all(|&pid| !alive(pid))
    });
}

pub fn finish(events: &mut EventReceiver, id: JobId) -> Outcome {
    wait_for("the job's end", PATIENCE, || {
        events.try_recv().ok().and_then(|event| match event.kind {
            EventKind::Finished(outcome) if event.job == id => Some(outcome),
            _ => None,
        })
    })
}

/// A process as `/proc/<pid>/stat` shows it.
pub struct ProcessInfo {
    pid: u32,
    state: String,
    parent: u32,
}

/// The live processes in the process group `group` (zombies left out).
pub fn group_members(group: u32) -> Vec<ProcessInfo> {
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
pub fn group_is_stopped(group: u32) -> bool {
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
pub const COUNTER: &str = "echo pid $$; i=0; while true; do i=$((i+1)); echo $i; sleep 0.01; done";

/// One job's log, followed while the test acts on the job.
pub struct Follow<'a> {
    events: &'a mut EventReceiver,
    pub id: JobId,
    pub lines: Vec<String>,
    outcome: Option<Outcome>,
}

impl<'a> Follow<'a> {
    pub fn start(pool: &Pool, events: &'a mut EventReceiver, job: NewJob) -> (Self, u32) {
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
    pub fn pump(&mut self) -> bool {
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
    pub fn count(&self) -> Option<u64> {
        self.lines.iter().rev().find_map(|line| line.parse().ok())
    }

    pub fn wait_for_count(&mut self, what: &str, at_least: u64) {
        wait_until(what, PATIENCE, || {
            self.pump();
            self.count() >= Some(at_least)
        });
    }

    pub fn wait_for_line(&mut self, line: &str) {
        wait_until(&format!("`{line}` in the log"), PATIENCE, || {
            self.pump();
            self.lines.iter().any(|seen| seen == line)
        });
    }

    pub fn finish(&mut self) -> Outcome {
        wait_for("the job's end", PATIENCE, || {
            self.pump();
            self.outcome.clone()
        })
    }
}

/// Pauses the job and waits until its whole group is stopped (state `T`).
pub fn pause(pool: &Pool, follow: &mut Follow, pgid: u32) {
    assert!(pool.set_job_paused(follow.id, true), "the job was live");
    wait_until("every process of the group to be stopped", PATIENCE, || {
        group_is_stopped(pgid)
    });
    follow.wait_for_line("jobdeck: paused");
}

pub fn assert_group_gone(pgid: u32) {
    wait_until("no process of the group to remain", PATIENCE, || {
        group_members(pgid).is_empty()
    });
}
