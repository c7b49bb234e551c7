//! No process outlives its job: grandchildren die with a timeout, with
//! Ctrl-C, and with a second Ctrl-C that does not wait for the grace period.
//! Checked in `/proc`, not guessed.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::Value;

use crate::common::{PATIENCE, wait_for, wait_until};
use crate::support::{Events, Scratch, is_gone, printed_pids, toml_str, wait_all_gone};

/// A shell that starts a background grandchild, prints both pids, and waits.
const FAMILY: &str = "sleep 300 & echo pid $!; echo pid $$; sleep 300";

/// The same family, deaf to SIGTERM (children inherit ignored signals), so
/// only SIGKILL ends it.
const STUBBORN_FAMILY: &str = "trap '' TERM; sleep 300 & echo pid $!; echo pid $$; wait";

#[test]
fn a_timeout_leaves_no_grandchild_behind() {
    let scratch = Scratch::new();
    let file = scratch.write(
        "jobs.toml",
        &format!(
            "[[job]]\nname = \"family\"\ncommand = [\"sh\", \"-c\", {}]\ntimeout_secs = 1\n",
            toml_str(FAMILY)
        ),
    );

    let (ran, events) = scratch.run_json(&file, &[]);
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert_eq!(events.last("family")["event"], "timed_out");
    let pids = printed_pids(&events.0);
    assert_eq!(
        pids.len(),
        2,
        "the job printed its shell's and grandchild's pids"
    );
    wait_all_gone(&pids);
}

#[test]
fn ctrl_c_stops_every_job_kills_grandchildren_and_still_summarises() {
    let scratch = Scratch::new();
    let file = scratch.write(
        "jobs.toml",
        &format!(
            r#"
[[job]]
name = "family {{}}"
command = ["sh", "-c", {}]
inputs = ["1", "2"]

[[job]]
name = "waiting"
command = ["true"]
"#,
            toml_str(FAMILY)
        ),
    );
    let mut live = Live::start(&scratch, &file);
    let pids = live.wait_for_pids(4);

    live.ctrl_c();
    let (status, events, stderr) = live.finish();

    assert_eq!(status.code(), Some(1), "{stderr}");
    assert_eq!(events.last("family 1")["event"], "stopped");
    assert_eq!(events.last("family 2")["event"], "stopped");
    assert_eq!(events.last("waiting")["event"], "cancelled");
    assert!(
        stderr.contains("3 jobs: 2 stopped, 1 cancelled in ") && stderr.contains("(interrupted)"),
        "{stderr}"
    );
    wait_all_gone(&pids);
}

#[test]
fn a_second_ctrl_c_kills_what_ignores_sigterm_and_exits_at_once() {
    let scratch = Scratch::new();
    // The grace period (5 s by default) would let the stubborn family live
    // on after the first Ctrl-C; the second must not wait for it.
    let file = scratch.write(
        "jobs.toml",
        &format!(
            "[[job]]\nname = \"stubborn\"\ncommand = [\"sh\", \"-c\", {}]\n",
            toml_str(STUBBORN_FAMILY)
        ),
    );
    let mut live = Live::start(&scratch, &file);
    let pids = live.wait_for_pids(2);

    live.ctrl_c();
    live.wait_for_stderr("interrupted: stopping every job");
    assert!(pids.iter().all(|&pid| !is_gone(pid)), "SIGTERM is ignored");
    live.ctrl_c();
    let (status, _events, stderr) = live.finish();

    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("interrupted twice: killed 1 running program(s)"),
        "{stderr}"
    );
    wait_all_gone(&pids);
}

/// A `jobdeck run --json` in progress, read line by line as it prints.
struct Live {
    child: Child,
    lines: mpsc::Receiver<Value>,
    seen: Vec<Value>,
    stderr: Arc<Mutex<String>>,
    readers: Vec<JoinHandle<()>>,
}

impl Live {
    fn start(scratch: &Scratch, file: &std::path::Path) -> Self {
        let mut child = scratch
            .jobdeck(&[
                "run",
                file.to_str().unwrap(),
                "--json",
                "--max-threads",
                "2",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("jobdeck starts");
        let stdout = child.stdout.take().unwrap();
        let (lines_tx, lines) = mpsc::channel();
        let stdout_reader = std::thread::Builder::new()
            .name("test-json-reader".to_owned())
            .spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let value: Value = serde_json::from_str(&line.unwrap()).unwrap();
                    if lines_tx.send(value).is_err() {
                        break;
                    }
                }
            })
            .unwrap();
        let mut stderr_pipe = child.stderr.take().unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let stderr_sink = Arc::clone(&stderr);
        let stderr_reader = std::thread::Builder::new()
            .name("test-stderr-reader".to_owned())
            .spawn(move || {
                let mut buffer = [0_u8; 1024];
                while let Ok(read @ 1..) = stderr_pipe.read(&mut buffer) {
                    let text = String::from_utf8_lossy(&buffer[..read]);
                    stderr_sink.lock().unwrap().push_str(&text);
                }
            })
            .unwrap();
        Self {
            child,
            lines,
            seen: Vec::new(),
            stderr,
            readers: vec![stdout_reader, stderr_reader],
        }
    }

    /// Waits until the jobs have printed `count` pids, and returns them, all
    /// checked alive.
    fn wait_for_pids(&mut self, count: usize) -> Vec<i32> {
        wait_until(&format!("{count} pids printed"), PATIENCE, || {
            self.seen.extend(self.lines.try_iter());
            printed_pids(&self.seen).len() == count
        });
        let pids = printed_pids(&self.seen);
        assert!(pids.iter().all(|&pid| !is_gone(pid)), "all alive: {pids:?}");
        pids
    }

    fn wait_for_stderr(&self, text: &str) {
        wait_until(&format!("{text:?} on stderr"), PATIENCE, || {
            self.stderr.lock().unwrap().contains(text)
        });
    }

    /// Sends SIGINT to jobdeck alone, as a terminal's Ctrl-C reaches it (the
    /// jobs' programs are in process groups of their own).
    fn ctrl_c(&self) {
        let jobdeck = Pid::from_raw(i32::try_from(self.child.id()).unwrap());
        kill(jobdeck, Signal::SIGINT).unwrap();
    }

    /// Waits for exit; returns the status, every event and stderr.
    fn finish(mut self) -> (ExitStatus, Events, String) {
        let status = wait_for("jobdeck to exit", PATIENCE, || {
            self.child.try_wait().unwrap()
        });
        for reader in self.readers {
            reader.join().unwrap();
        }
        self.seen.extend(self.lines.try_iter());
        let stderr = self.stderr.lock().unwrap().clone();
        (status, Events(self.seen), stderr)
    }
}
