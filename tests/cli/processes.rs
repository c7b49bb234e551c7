//! No process outlives its job: grandchildren die with a timeout and with
//! Ctrl-C. Checked in `/proc`, not guessed.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::Value;

use crate::common::{PATIENCE, wait_for};
use crate::support::{Events, Scratch, is_gone, printed_pids, toml_str, wait_all_gone};

/// A shell that starts a background grandchild, prints both pids, and waits.
const FAMILY: &str = "sleep 300 & echo pid $!; echo pid $$; sleep 300";

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
    let family = toml_str(FAMILY);
    let file = scratch.write(
        "jobs.toml",
        &format!(
            r#"
[[job]]
name = "family {{}}"
command = ["sh", "-c", {family}]
inputs = ["1", "2"]

[[job]]
name = "waiting"
command = ["true"]
"#
        ),
    );
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

    // Read events as they come until both families have printed their pids.
    let stdout = child.stdout.take().unwrap();
    let (lines_tx, lines_rx) = mpsc::channel::<Value>();
    let reader = std::thread::Builder::new()
        .name("test-json-reader".to_owned())
        .spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let value = serde_json::from_str(&line.unwrap()).unwrap();
                if lines_tx.send(value).is_err() {
                    break;
                }
            }
        })
        .unwrap();
    let mut seen = Vec::new();
    wait_for("both jobs to print their pids", PATIENCE, || {
        seen.extend(lines_rx.try_iter());
        (printed_pids(&seen).len() == 4).then_some(())
    });
    let pids = printed_pids(&seen);
    assert!(pids.iter().all(|&pid| !is_gone(pid)), "all four are alive");

    let jobdeck = Pid::from_raw(i32::try_from(child.id()).unwrap());
    kill(jobdeck, Signal::SIGINT).unwrap();
    let status = wait_for("jobdeck to exit after Ctrl-C", PATIENCE, || {
        child.try_wait().unwrap()
    });
    reader.join().unwrap();
    seen.extend(lines_rx.try_iter());
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();

    assert_eq!(status.code(), Some(1), "{stderr}");
    let events = Events(seen);
    assert_eq!(events.last("family 1")["event"], "stopped");
    assert_eq!(events.last("family 2")["event"], "stopped");
    assert_eq!(events.last("waiting")["event"], "cancelled");
    assert!(
        stderr.contains("3 jobs: 2 stopped, 1 cancelled in ") && stderr.contains("(interrupted)"),
        "{stderr}"
    );
    wait_all_gone(&pids);
}
