//! A child process that leads its own process group, so a stop reaches every
//! process it started; the group is killed when the guard goes away.

use std::io::{self, PipeReader};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};

use nix::sys::signal::{Signal, killpg};
use nix::sys::wait::{Id, WaitPidFlag, WaitStatus, waitid};
use nix::unistd::Pid;

/// A running program in its own process group. Dropping it kills the whole
/// group with SIGKILL and reaps the leader, so nothing outlives it.
pub struct ProcessGroup {
    child: Child,
    pgid: Pid,
    reaped: bool,
}

impl ProcessGroup {
    /// Spawns `command` as the leader of a new process group, with stdin
    /// closed and stdout and stderr both writing to one pipe, whose reading
    /// end is returned. One pipe, as on a terminal, keeps the order in which
    /// the program wrote to the two, and takes one reader, not two. The
    /// error is a sentence for a person, naming `program` (and `cwd` when it
    /// is what is missing).
    pub fn spawn(
        mut command: Command,
        program: &str,
        cwd: Option<&Path>,
    ) -> Result<(Self, PipeReader), String> {
        if let Some(dir) = cwd
            && !dir.is_dir()
        {
            return Err(format!("working directory not found: {}", dir.display()));
        }
        let (reader, writer) =
            io::pipe().map_err(|error| format!("could not start {program}: {error}"))?;
        let stderr_writer = writer
            .try_clone()
            .map_err(|error| format!("could not start {program}: {error}"))?;
        command
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(writer)
            .stderr(stderr_writer);
        let spawned = command.spawn();
        // The command holds our copies of the writing end; the reader sees
        // the end of the output only once they are closed too.
        drop(command);
        let child = spawned.map_err(|error| spawn_error(program, &error))?;
        let pgid = Pid::from_raw(i32::try_from(child.id()).expect("pids fit in i32"));
        Ok((
            Self {
                child,
                pgid,
                reaped: false,
            },
            reader,
        ))
    }

    /// The leader's pid, which is also the group's id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` to every process in the group. A group that is already
    /// gone is not an error.
    pub fn signal(&self, signal: Signal) {
        // ESRCH (the group is gone) is the expected end of a group; EPERM
        // would mean a member changed credentials, which nothing here fixes.
        let _ = killpg(self.pgid, signal);
    }

    /// If the leader has exited: kills what is left of its group, reaps the
    /// leader and returns how it ended. `None` while it runs.
    ///
    /// The leader stays a zombie until the group is killed, so its pid (the
    /// group id) cannot be reused by an unrelated process in between.
    pub fn try_finish(&mut self) -> io::Result<Option<ExitStatus>> {
        if self.reaped {
            return Ok(None);
        }
        let flags = WaitPidFlag::WEXITED | WaitPidFlag::WNOHANG | WaitPidFlag::WNOWAIT;
        match waitid(Id::Pid(self.pgid), flags) {
            Ok(WaitStatus::StillAlive) => Ok(None),
            Ok(_) => {
                self.signal(Signal::SIGKILL);
                let status = self.child.wait()?;
                self.reaped = true;
                Ok(Some(status))
            }
            Err(errno) => Err(io::Error::from(errno)),
        }
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        if !self.reaped {
            self.signal(Signal::SIGKILL);
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
