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
use jobdeck::executor::{ClusterJob, ClusterOutcome, ClusterStatus, Reporter};
use jobdeck::jobspec::Program;
use tempfile::TempDir;

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
pub fn driver(options: DriverOptions) -> Option<(Slurm, OutputDir)> {
    driver_with(SlurmSettings::default(), options)
}

/// [`driver`] with `settings` (whose output folder is replaced).
pub fn driver_with(
    mut settings: SlurmSettings,
    options: DriverOptions,
) -> Option<(Slurm, OutputDir)> {
    if !cluster_is_up() {
        return None;
    }
    let out = OutputDir::new();
    settings.output_dir = Some(out.path().to_path_buf());
    let slurm = Slurm::start(settings, options).expect("the driver starts");
    Some((slurm, out))
}

/// A fresh folder for a test's job output that, when dropped, cancels every
/// job on the cluster still writing under it: a test that fails (or returns
/// early) leaves nothing behind to starve the tests that run after it.
pub struct OutputDir {
    dir: TempDir,
}

impl OutputDir {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("a temp dir for output"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        cancel_jobs_writing_under(self.path());
    }
}

/// Cancels, when dropped, the cluster's jobs writing under its folder (see
/// [`OutputDir`]), for tests whose folder is made elsewhere.
pub struct CancelJobsUnder(pub PathBuf);

impl Drop for CancelJobsUnder {
    fn drop(&mut self) {
        cancel_jobs_writing_under(&self.0);
    }
}

/// Cancels the cluster's jobs whose output file is under `dir`; quiet, as
/// it runs while a test may be unwinding.
pub fn cancel_jobs_writing_under(dir: &Path) {
    let Ok(listed) = std::process::Command::new("squeue")
        .args(["-h", "-O", "JobID:|,STDOUT:"])
        .output()
    else {
        return;
    };
    let ids: Vec<String> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .filter_map(|line| line.split_once('|'))
        .filter(|(_, output)| Path::new(output.trim()).starts_with(dir))
        .map(|(id, _)| id.trim().to_owned())
        .collect();
    if !ids.is_empty() {
        let _ = std::process::Command::new("scancel").args(&ids).output();
    }
}

/// What the cluster says about itself, for the message of a wait that
/// timed out: its node's state and why, its queue, and the end of the
/// controller's log (`tests/slurm/up.sh` keeps it under
/// `$JOBDECK_SLURM_DIR`, by default /tmp/jobdeck-slurm).
pub fn cluster_report() -> String {
    let run = |program: &str, args: &[&str]| match std::process::Command::new(program)
        .args(args)
        .output()
    {
        Ok(output) => format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
        Err(error) => format!("cannot run {program}: {error}\n"),
    };
    let dir = std::env::var("JOBDECK_SLURM_DIR").unwrap_or_else(|_| "/tmp/jobdeck-slurm".into());
    let log = format!("{dir}/log/slurmctld.log");
    format!(
        "\n--- sinfo -N -o '%N %T %E'\n{}--- squeue\n{}--- tail -n 30 {log}\n{}",
        run("sinfo", &["-N", "-o", "%N %T %E"]),
        run("squeue", &[]),
        run("tail", &["-n", "30", &log]),
    )
}

/// `common::wait_for` for waits on the cluster: when `timeout` passes, the
/// panic message also says what the cluster was doing.
pub fn wait_for<T>(what: &str, timeout: Duration, mut poll: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = poll() {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}{}",
            cluster_report()
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// [`wait_for`] of a condition.
pub fn wait_until(what: &str, timeout: Duration, mut condition: impl FnMut() -> bool) {
    wait_for(what, timeout, || condition().then_some(()));
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
pub fn sh(name: &str, script: &str) -> ClusterJob {
    ClusterJob::new(name, Program::Shell(script.to_owned()))
}

/// One thing the driver reported, and when.
#[derive(Clone, Debug)]
pub enum Seen {
    Status(ClusterStatus),
    Line(String),
    Notice(String),
    Finished(ClusterOutcome),
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

    pub fn outcome(&self) -> Option<ClusterOutcome> {
        self.seen().into_iter().find_map(|(_, seen)| match seen {
            Seen::Finished(outcome) => Some(outcome),
            _ => None,
        })
    }

    /// Waits for the job's end and checks the contract.
    pub fn wait_outcome(&self, timeout: Duration) -> ClusterOutcome {
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

    pub fn statuses(&self) -> Vec<ClusterStatus> {
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
    pub fn status_at(&self, wanted: impl Fn(&ClusterStatus) -> bool) -> Option<Instant> {
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
    fn status(&self, status: ClusterStatus) {
        self.push(Seen::Status(status));
    }
    fn line(&self, line: String) {
        self.push(Seen::Line(line));
    }
    fn notice(&self, text: String) {
        self.push(Seen::Notice(text));
    }
    fn finished(&self, outcome: ClusterOutcome) {
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
