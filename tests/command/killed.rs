//! When jobdeck itself is killed with SIGKILL (no handler runs, nothing is
//! cleaned up): its programs die with it, their children too, even when
//! its watchdog was killed first, and the full logs keep what was printed.
//! Runs the real `jobdeck run` binary.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::Value;

use crate::common::{PATIENCE, wait_for, wait_until};
use crate::support::{alive, pids_in};

/// A `jobdeck run --json` of one job, read as it prints, killed on drop.
struct Jobdeck {
    child: Child,
    events: mpsc::Receiver<Value>,
    seen: Vec<Value>,
    logs: tempfile::TempDir,
    dir: tempfile::TempDir,
}

impl Jobdeck {
    /// Runs a job file with one shell job running `script`.
    fn start(script: &str) -> Self {
        Self::start_all(&[script])
    }

    /// Runs a job file with a shell job per script, one at a time, in
    /// order, in a folder of their own ([`Jobdeck::dir`]).
    fn start_all(scripts: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let logs = tempfile::tempdir().unwrap();
        let file = dir.path().join("jobs.toml");
        let mut text = String::from("max_threads = 1\n");
        for (index, script) in scripts.iter().enumerate() {
            let script = serde_json::to_string(script).unwrap();
            writeln!(
                text,
                "[[job]]\nname = \"job {index}\"\ncommand = [\"sh\", \"-c\", {script}]"
            )
            .unwrap();
        }
        std::fs::write(&file, text).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_jobdeck"))
            .args(["run", file.to_str().unwrap(), "--json"])
            .env("JOBDECK_LOG_DIR", logs.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("jobdeck starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, events) = mpsc::channel();
        std::thread::Builder::new()
            .name("test-json-reader".to_owned())
            .spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    let Ok(value) = serde_json::from_str(&line) else {
                        break;
                    };
                    if tx.send(value).is_err() {
                        break;
                    }
                }
            })
            .unwrap();
        Self {
            child,
            events,
            seen: Vec::new(),
            logs,
            dir,
        }
    }

    /// The folder the jobs run in.
    fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Waits until the jobs printed `count` `pid N` lines; returns them.
    fn wait_for_pids(&mut self, count: usize) -> Vec<u32> {
        wait_for(&format!("{count} pids in the log"), PATIENCE, || {
            let pids = pids_in(&self.log_lines());
            (pids.len() >= count).then_some(pids)
        })
    }

    /// jobdeck's watchdog: its child (of whichever thread started it)
    /// running the watchdog script.
    fn watchdog(&self) -> u32 {
        let tasks = std::fs::read_dir(format!("/proc/{}/task", self.child.id())).unwrap();
        let children: String = tasks
            .flatten()
            .filter_map(|task| std::fs::read_to_string(task.path().join("children")).ok())
            .collect::<Vec<_>>()
            .join(" ");
        children
            .split_whitespace()
            .filter_map(|child| child.parse::<u32>().ok())
            .find(|child| {
                std::fs::read(format!("/proc/{child}/cmdline"))
                    .is_ok_and(|cmdline| String::from_utf8_lossy(&cmdline).contains("groups="))
            })
            .expect("jobdeck runs a watchdog")
    }

    /// The job's log lines so far.
    fn log_lines(&mut self) -> Vec<String> {
        self.seen.extend(self.events.try_iter());
        self.seen
            .iter()
            .filter(|event| event["event"] == "log")
            .filter_map(|event| event["line"].as_str().map(str::to_owned))
            .collect()
    }

    /// Waits for the job's `pid N` line.
    fn wait_for_pid(&mut self) -> u32 {
        wait_for("the job's pid in the log", PATIENCE, || {
            pids_in(&self.log_lines()).first().copied()
        })
    }

    /// The job's full log file.
    fn log_file(&mut self) -> PathBuf {
        self.seen.extend(self.events.try_iter());
        let id = self.seen.first().expect("an event")["job"]
            .as_str()
            .unwrap()
            .to_owned();
        self.logs.path().join(format!("{id}.log"))
    }

    /// SIGKILLs jobdeck and reaps it.
    fn kill(&mut self) {
        let pid = Pid::from_raw(i32::try_from(self.child.id()).unwrap());
        kill(pid, Signal::SIGKILL).unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Jobdeck {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Kills `pid` when dropped, so a failing test leaves no `sleep` behind.
struct KillOnDrop(u32);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if alive(self.0) {
            let _ = kill(
                Pid::from_raw(i32::try_from(self.0).unwrap()),
                Signal::SIGKILL,
            );
        }
    }
}

#[test]
fn a_sigkilled_jobdeck_takes_its_programs_with_it() {
    let mut jobdeck = Jobdeck::start("echo pid $$; exec sleep 300");
    let pid = jobdeck.wait_for_pid();
    let _cleanup = KillOnDrop(pid);
    assert!(alive(pid), "the program runs");

    jobdeck.kill();

    wait_until("the program to die with jobdeck", PATIENCE, || !alive(pid));
}

#[test]
fn a_sigkilled_jobdeck_leaves_the_full_log_of_what_was_printed() {
    let mut jobdeck = Jobdeck::start("echo pid $$; echo one; echo two; exec sleep 300");
    let pid = jobdeck.wait_for_pid();
    let _cleanup = KillOnDrop(pid);
    let log = jobdeck.log_file();
    let expected = format!("pid {pid}\none\ntwo\n");
    let holds_every_line = |log: &Path| std::fs::read_to_string(log).is_ok_and(|t| t == expected);
    // Quiet output is on disk within milliseconds, while jobdeck runs...
    wait_until("the log file to hold every line", PATIENCE, || {
        holds_every_line(&log)
    });

    jobdeck.kill();

    // ...so a SIGKILL, which flushes nothing, loses none of it.
    assert!(holds_every_line(&log), "the full log survives jobdeck");
}

#[test]
fn a_sigkilled_jobdeck_takes_its_programs_children_with_it() {
    let mut jobdeck = Jobdeck::start("sleep 300 & echo pid $!; echo pid $$; wait");
    let pids = jobdeck.wait_for_pids(2);
    let _cleanup: Vec<KillOnDrop> = pids.iter().map(|&pid| KillOnDrop(pid)).collect();

    jobdeck.kill();

    for pid in pids {
        wait_until(
            "the program and its child to die with jobdeck",
            PATIENCE,
            || !alive(pid),
        );
    }
}

#[test]
fn with_its_watchdog_killed_jobdeck_still_takes_its_programs_with_it() {
    let mut jobdeck = Jobdeck::start_all(&[
        "echo pid $$; until [ -e go ]; do sleep 0.01; done",
        "echo pid $$; exec sleep 300",
    ]);
    jobdeck.wait_for_pids(1);
    let watchdog = jobdeck.watchdog();
    kill(
        Pid::from_raw(i32::try_from(watchdog).unwrap()),
        Signal::SIGKILL,
    )
    .unwrap();
    wait_until("the watchdog to die", PATIENCE, || !alive(watchdog));
    // Only now the second program starts: it must be guarded another way.
    std::fs::write(jobdeck.dir().join("go"), "").unwrap();
    let second = jobdeck.wait_for_pids(2)[1];
    let _cleanup = KillOnDrop(second);

    jobdeck.kill();

    wait_until("the program to die with jobdeck", PATIENCE, || {
        !alive(second)
    });
}
