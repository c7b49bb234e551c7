//! Running the binary and reading what it printed.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;
use tempfile::TempDir;

use crate::common::{PATIENCE, wait_for};

/// A scratch directory for job files and inputs, plus one for full logs
/// and one for jobdeck's data (its history).
pub struct Scratch {
    dir: TempDir,
    logs: TempDir,
    data: TempDir,
}

impl Scratch {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("a temp dir"),
            logs: tempfile::tempdir().expect("a temp dir for logs"),
            data: tempfile::tempdir().expect("a temp dir for data"),
        }
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// Writes `text` to `relative`, creating folders, and returns its path.
    pub fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.path(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    /// jobdeck's data folder: its history is `history.sqlite3` there.
    pub fn data(&self) -> &Path {
        self.data.path()
    }

    /// `jobdeck ARGS` running in the scratch directory, logging to the
    /// scratch log directory, keeping its history in the scratch data one.
    pub fn jobdeck(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_jobdeck"));
        command
            .args(args)
            .current_dir(self.dir.path())
            .env("JOBDECK_LOG_DIR", self.logs.path())
            .env("JOBDECK_DATA_DIR", self.data.path())
            .stdin(Stdio::null());
        command
    }

    /// Runs `jobdeck ARGS` to the end.
    pub fn run(&self, args: &[&str]) -> Ran {
        finish(self.jobdeck(args))
    }

    /// Runs `jobdeck run FILE --json` (plus `extra`) to the end.
    pub fn run_json(&self, file: &Path, extra: &[&str]) -> (Ran, Events) {
        let file = file.to_str().unwrap();
        let mut args = vec!["run", file, "--json"];
        args.extend_from_slice(extra);
        let ran = self.run(&args);
        let events = Events::parse(&ran.stdout);
        (ran, events)
    }
}

/// What a finished `jobdeck` printed, and how it exited.
#[derive(Debug)]
pub struct Ran {
    /// `None` when killed by a signal.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `command` with captured output, failing the test if it takes longer
/// than the shared patience.
pub fn finish(mut command: Command) -> Ran {
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("jobdeck starts");
    wait_output(child)
}

/// Waits (with a deadline) for a child whose stdout and stderr are piped.
pub fn wait_output(mut child: Child) -> Ran {
    let stdout = read_in_background(child.stdout.take());
    let stderr = read_in_background(child.stderr.take());
    let status = wait_for("jobdeck to exit", PATIENCE, || {
        child.try_wait().expect("waitable child")
    });
    Ran {
        code: status.code(),
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

fn read_in_background(
    stream: Option<impl Read + Send + 'static>,
) -> std::thread::JoinHandle<String> {
    std::thread::Builder::new()
        .name("test-output-reader".to_owned())
        .spawn(move || {
            let mut text = String::new();
            if let Some(mut stream) = stream {
                stream.read_to_string(&mut text).unwrap();
            }
            text
        })
        .unwrap()
}

/// The JSON lines of `jobdeck run --json`, in order.
#[derive(Debug)]
pub struct Events(pub Vec<Value>);

impl Events {
    /// Parses every line; a line that is not a JSON object fails the test.
    pub fn parse(stdout: &str) -> Self {
        Self(
            stdout
                .lines()
                .map(|line| {
                    let value: Value = serde_json::from_str(line)
                        .unwrap_or_else(|err| panic!("not JSON ({err}): {line}"));
                    assert!(value["job"].is_string(), "no job id: {line}");
                    assert!(value["name"].is_string(), "no name: {line}");
                    assert!(value["event"].is_string(), "no event: {line}");
                    value
                })
                .collect(),
        )
    }

    /// Every job name seen.
    pub fn names(&self) -> BTreeSet<String> {
        self.0
            .iter()
            .map(|e| e["name"].as_str().unwrap().to_owned())
            .collect()
    }

    /// The events of the job called `name`, in order.
    pub fn of<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.0.iter().filter(move |e| e["name"] == name)
    }

    /// The events of `name` whose kind is `event`.
    pub fn where_<'a>(&'a self, name: &'a str, event: &'a str) -> Vec<&'a Value> {
        self.of(name).filter(|e| e["event"] == event).collect()
    }

    /// The position of the first `event` of `name` in the whole stream.
    pub fn index(&self, name: &str, event: &str) -> usize {
        self.0
            .iter()
            .position(|e| e["name"] == name && e["event"] == event)
            .unwrap_or_else(|| panic!("no {event} event for {name}: {self:#?}"))
    }

    /// The terminal event of `name` (the last one it got).
    pub fn last<'a>(&'a self, name: &'a str) -> &'a Value {
        self.of(name)
            .last()
            .unwrap_or_else(|| panic!("no events for {name}"))
    }

    /// The most jobs that were running at once, going by started and
    /// terminal events.
    pub fn peak_running(&self) -> usize {
        let mut running = BTreeSet::new();
        let mut peak = 0;
        for event in &self.0 {
            let job = event["job"].as_str().unwrap().to_owned();
            match event["event"].as_str().unwrap() {
                "started" => {
                    running.insert(job);
                }
                "queued" | "progress" | "sample" | "log" | "retrying" => {}
                _ => {
                    running.remove(&job);
                }
            }
            peak = peak.max(running.len());
        }
        peak
    }
}

/// Pids printed by jobs as `pid N` log lines.
pub fn printed_pids(events: &[Value]) -> Vec<i32> {
    events
        .iter()
        .filter(|e| e["event"] == "log")
        .filter_map(|e| {
            e["line"]
                .as_str()?
                .strip_prefix("pid ")?
                .trim()
                .parse()
                .ok()
        })
        .collect()
}

/// Whether process `pid` is gone: no `/proc` entry, or only a zombie left
/// for its parent to reap.
pub fn is_gone(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rfind(')')
            .and_then(|end| stat[end + 1..].split_whitespace().next())
            .is_some_and(|state| state == "Z" || state == "X"),
    }
}

/// Waits until every one of `pids` is gone.
pub fn wait_all_gone(pids: &[i32]) {
    for &pid in pids {
        crate::common::wait_until(&format!("process {pid} to be gone"), PATIENCE, || {
            is_gone(pid)
        });
    }
}

/// The TOML string literal for `text` (paths in job files).
pub fn toml_str(text: &str) -> String {
    serde_json::to_string(text).unwrap()
}
