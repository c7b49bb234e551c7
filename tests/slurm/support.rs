//! The cluster the Slurm tests run against, and a reporter that records
//! what the driver says.
//!
//! The cluster is the one `tests/slurm/up.sh` starts (CI's `.ci/run` does).
//! Where there is none, each test prints why it skips and passes, unless
//! `JOBDECK_SLURM_REQUIRED` is set (`.ci/run` sets it once the cluster is
//! up), in which case a missing cluster is a failure.

#![allow(dead_code)] // Each test binary uses its own subset.

use std::collections::HashSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use jobdeck::executor::slurm::{DriverOptions, Slurm, SlurmSettings};
use jobdeck::executor::{Program, RemoteJob, RemoteOutcome, RemoteStatus, Reporter};
use tempfile::TempDir;

use crate::common::wait_for;

/// Longer than `common::PATIENCE`: a two-CPU cluster shared by the tests
/// that run at once schedules their jobs one after another.
pub const CLUSTER_PATIENCE: Duration = Duration::from_secs(120);

/// Driver options for tests: quick polls, short deadlines.
pub fn options() -> DriverOptions {
    DriverOptions {
        poll_interval: Duration::from_millis(200),
        command_timeout: Duration::from_secs(15),
        lost_after: Duration::from_secs(30),
        ..DriverOptions::default()
    }
}

/// A driver on the test cluster with its output in a fresh folder, or
/// `None` (after saying why) when there is no cluster here.
pub fn driver(options: DriverOptions) -> Option<(Slurm, TempDir)> {
    driver_with(SlurmSettings::default(), options)
}

/// [`driver`] with `settings` (whose output folder is replaced).
pub fn driver_with(
    mut settings: SlurmSettings,
    options: DriverOptions,
) -> Option<(Slurm, TempDir)> {
    if !cluster_is_up() {
        return None;
    }
    let out = tempfile::tempdir().expect("a temp dir for output");
    settings.output_dir = Some(out.path().to_path_buf());
    let slurm = Slurm::start(settings, options).expect("the driver starts");
    Some((slurm, out))
}

/// Whether the test cluster answers; says why not when it does not. Asked
/// once per test binary: with no cluster, each ask can take a command
/// timeout.
pub fn cluster_is_up() -> bool {
    static CHECKED: OnceLock<Result<(), String>> = OnceLock::new();
    let checked = CHECKED.get_or_init(|| {
        Slurm::check_setup(&SlurmSettings::default(), &options())
            .map(drop)
            .map_err(|error| error.to_string())
    });
    match checked {
        Ok(()) => true,
        Err(error) if std::env::var_os("JOBDECK_SLURM_REQUIRED").is_some() => {
            panic!("JOBDECK_SLURM_REQUIRED is set but there is no Slurm cluster: {error}")
        }
        Err(error) => {
            eprintln!(
                "skipped: no Slurm cluster here ({error}); start one with tests/slurm/up.sh \
                 as root"
            );
            false
        }
    }
}

/// A job running `script` with `sh`.
pub fn sh(name: &str, script: &str) -> RemoteJob {
    RemoteJob::new(name, Program::Shell(script.to_owned()))
}

/// One thing the driver reported, and when.
#[derive(Clone, Debug)]
pub enum Seen {
    Status(RemoteStatus),
    Line(String),
    Notice(String),
    Finished(RemoteOutcome),
}

/// Records every report for one job, checking the reporter's contract as it
/// goes: nothing after `finished`, `finished` once.
#[derive(Default)]
pub struct Recorder {
    seen: Mutex<Vec<(Instant, Seen)>>,
    broken: Mutex<Vec<String>>,
}

impl Recorder {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    fn push(&self, seen: Seen) {
        let mut all = self.seen.lock().unwrap();
        if all
            .iter()
            .any(|(_, seen)| matches!(seen, Seen::Finished(_)))
        {
            self.broken
                .lock()
                .unwrap()
                .push(format!("{seen:?} after finished"));
        }
        all.push((Instant::now(), seen));
    }

    pub fn seen(&self) -> Vec<(Instant, Seen)> {
        self.seen.lock().unwrap().clone()
    }

    pub fn outcome(&self) -> Option<RemoteOutcome> {
        self.seen().into_iter().find_map(|(_, seen)| match seen {
            Seen::Finished(outcome) => Some(outcome),
            _ => None,
        })
    }

    /// Waits for the job's end and checks the contract.
    pub fn wait_outcome(&self, timeout: Duration) -> RemoteOutcome {
        let outcome = wait_for("the job's end", timeout, || self.outcome());
        let broken = self.broken.lock().unwrap();
        assert!(broken.is_empty(), "reporter contract broken: {broken:?}");
        outcome
    }

    pub fn lines(&self) -> Vec<String> {
        self.seen()
            .into_iter()
            .filter_map(|(_, seen)| match seen {
                Seen::Line(line) => Some(line),
                _ => None,
            })
            .collect()
    }

    pub fn notices(&self) -> Vec<String> {
        self.seen()
            .into_iter()
            .filter_map(|(_, seen)| match seen {
                Seen::Notice(text) => Some(text),
                _ => None,
            })
            .collect()
    }

    pub fn statuses(&self) -> Vec<RemoteStatus> {
        self.seen()
            .into_iter()
            .filter_map(|(_, seen)| match seen {
                Seen::Status(status) => Some(status),
                _ => None,
            })
            .collect()
    }

    /// When a line equal to `line` arrived.
    pub fn line_at(&self, line: &str) -> Option<Instant> {
        self.seen().into_iter().find_map(|(at, seen)| match seen {
            Seen::Line(text) if text == line => Some(at),
            _ => None,
        })
    }

    /// When the first status matching `wanted` arrived.
    pub fn status_at(&self, wanted: impl Fn(&RemoteStatus) -> bool) -> Option<Instant> {
        self.seen().into_iter().find_map(|(at, seen)| match seen {
            Seen::Status(status) if wanted(&status) => Some(at),
            _ => None,
        })
    }

    /// When the job ended.
    pub fn finished_at(&self) -> Option<Instant> {
        self.seen().into_iter().find_map(|(at, seen)| match seen {
            Seen::Finished(_) => Some(at),
            _ => None,
        })
    }

    /// The Slurm job id it was given.
    pub fn slurm_id(&self) -> Option<String> {
        self.statuses()
            .into_iter()
            .find_map(|status| status.id().map(str::to_owned))
    }
}

impl Reporter for Recorder {
    fn status(&self, status: RemoteStatus) {
        self.push(Seen::Status(status));
    }
    fn line(&self, line: String) {
        self.push(Seen::Line(line));
    }
    fn notice(&self, text: String) {
        self.push(Seen::Notice(text));
    }
    fn finished(&self, outcome: RemoteOutcome) {
        self.push(Seen::Finished(outcome));
    }
}

/// Whether process `pid` still exists on this machine (the test cluster's
/// one node).
pub fn process_exists(pid: u32) -> bool {
    PathBuf::from(format!("/proc/{pid}")).exists()
}

/// Slurm job ids named `name` that are not in a final state, as `squeue`
/// sees them.
pub fn live_jobs_named(name: &str) -> HashSet<String> {
    let output = std::process::Command::new("squeue")
        .args(["--noheader", "--name", name, "--format", "%i|%T"])
        .output()
        .expect("squeue runs");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_once('|'))
        .filter(|(_, state)| {
            matches!(
                *state,
                "PENDING" | "RUNNING" | "CONFIGURING" | "COMPLETING" | "SUSPENDED"
            )
        })
        .map(|(id, _)| id.to_owned())
        .collect()
}

/// A name no other test uses, for telling this test's jobs apart in
/// `squeue`.
pub fn unique_name(prefix: &str) -> String {
    format!("{prefix}-{}-{}", std::process::id(), fastrand::u32(..))
}

/// A folder of executable scripts, each `name` running `body`: stand-ins
/// for Slurm's commands, for a driver whose search path is the folder.
pub fn tools(scripts: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, body) in scripts {
        write_script(&dir.path().join(name), body);
    }
    dir
}

pub fn write_script(path: &Path, body: &str) {
    std::fs::write(path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

pub fn options_in(dir: &Path) -> DriverOptions {
    DriverOptions {
        search_path: Some(dir.as_os_str().to_owned()),
        ..options()
    }
}
