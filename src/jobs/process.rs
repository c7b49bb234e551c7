//! A job's processes: its program, which leads a process group of its own
//! so that a stop reaches every process it started, and those that left the
//! group (see `escapees.rs`). All are killed when the guard goes away, and
//! the group when jobdeck dies (see `parent_death.rs`).

use std::io::{self, PipeReader};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};

use nix::sys::signal::{Signal, killpg};
use nix::sys::wait::{Id, WaitPidFlag, WaitStatus, waitid};
use nix::unistd::Pid;

use super::escapees::{Escapees, become_subreaper};
use super::parent_death::{self, DeathGuard};

/// The reading ends of a program's stdout and stderr.
pub struct Pipes {
    /// The program's standard output.
    pub stdout: PipeReader,
    /// The program's standard error.
    pub stderr: PipeReader,
}

/// A running program in its own process group, and the processes of the job
/// that left the group. Dropping it kills them all with SIGKILL and reaps
/// the leader, so nothing outlives it.
pub struct JobProcesses {
    child: Child,
    pgid: Pid,
    escapees: Escapees,
    death: DeathGuard,
    reaped: bool,
}

impl JobProcesses {
    /// Spawns `command` as the leader of a new process group, with stdin
    /// closed and stdout and stderr each writing to a pipe of its own, whose
    /// reading ends are returned. `marker` (`NAME=value`) is an entry of
    /// the program's environment that tells its escaped descendants apart.
    /// The error is a sentence for a person, naming `program` (and `cwd`
    /// when it is what is missing).
    pub fn spawn(
        mut command: Command,
        program: &str,
        cwd: Option<&Path>,
        marker: String,
    ) -> Result<(Self, Pipes), String> {
        if let Some(dir) = cwd
            && !dir.is_dir()
        {
            return Err(format!("working directory not found: {}", dir.display()));
        }
        let cannot_start = |error: io::Error| format!("could not start {program}: {error}");
        let (stdout, stdout_writer) = io::pipe().map_err(cannot_start)?;
        let (stderr, stderr_writer) = io::pipe().map_err(cannot_start)?;
        become_subreaper();
        let watched = parent_death::prepare(&mut command);
        command
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(stdout_writer)
            .stderr(stderr_writer);
        let spawned = command.spawn();
        // The command holds our copies of the writing ends; the reader sees
        // the end of the output only once they are closed too.
        drop(command);
        let child = spawned.map_err(|error| spawn_error(program, &error))?;
        let pgid = Pid::from_raw(i32::try_from(child.id()).expect("pids fit in i32"));
        let death = if watched {
            parent_death::guard(pgid)
        } else {
            DeathGuard::DeathSignal
        };
        Ok((
            Self {
                child,
                pgid,
                escapees: Escapees::new(pgid, marker),
                death,
                reaped: false,
            },
            Pipes { stdout, stderr },
        ))
    }

    /// The leader's pid, which is also the group's id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` to every process in the group and to those that left
    /// it. A group that is already gone is not an error.
    pub fn signal(&mut self, signal: Signal) {
        // ESRCH (the group is gone) is the expected end of a group; EPERM
        // would mean a member changed credentials, which nothing here fixes.
        let _ = killpg(self.pgid, signal);
        self.escapees.signal(signal);
    }

    /// If the leader has exited: kills what is left of its group and the
    /// job's escaped processes, reaps the leader and returns how it ended.
    /// `None` while it runs; then it looks for escaped processes now and
    /// then (see [`SCAN_EVERY`](super::escapees::SCAN_EVERY)).
    ///
    /// The leader stays a zombie until everything else is killed, so its
    /// pid (the group id) cannot be reused by an unrelated process in
    /// between.
    pub fn try_finish(&mut self) -> io::Result<Option<ExitStatus>> {
        if self.reaped {
            return Ok(None);
        }
        let flags = WaitPidFlag::WEXITED | WaitPidFlag::WNOHANG | WaitPidFlag::WNOWAIT;
        match waitid(Id::Pid(self.pgid), flags) {
            Ok(WaitStatus::StillAlive) => {
                self.escapees.scan_if_due();
                Ok(None)
            }
            Ok(_) => {
                self.kill_all();
                self.death.release();
                let status = self.child.wait()?;
                self.reaped = true;
                Ok(Some(status))
            }
            Err(errno) => Err(io::Error::from(errno)),
        }
    }

    /// Kills the group (leader included) and every escaped process.
    fn kill_all(&mut self) {
        let _ = killpg(self.pgid, Signal::SIGKILL);
        self.escapees.kill_all();
    }
}

impl Drop for JobProcesses {
    fn drop(&mut self) {
        if !self.reaped {
            self.kill_all();
            self.death.release();
            // SIGKILL cannot be ignored, so this wait is short.
            let _ = self.child.wait();
        }
    }
}

/// "program not found: foo", "permission denied: ./x", or the OS's reason.
fn spawn_error(program: &str, error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::NotFound => format!("program not found: {program}"),
        io::ErrorKind::PermissionDenied => format!("permission denied: {program}"),
        _ => format!("could not start {program}: {error}"),
    }
}

/// "exited with code 3", "killed by signal 9 (SIGKILL)".
#[must_use]
pub fn describe_exit(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        format!("exited with code {code}")
    } else if let Some(number) = status.signal() {
        match Signal::try_from(number) {
            Ok(signal) => format!("killed by signal {number} ({})", signal.as_str()),
            Err(_) => format!("killed by signal {number}"),
        }
    } else {
        format!("ended with status {status}")
    }
}
