//! Running Slurm's commands (`sbatch`, `squeue`, `scontrol`, `scancel`,
//! `sinfo`) with a deadline.
//!
//! A Slurm command whose controller is down does not fail at once: it
//! retries for 10 s to a minute. So every call here has a deadline, after
//! which the command is killed and the call fails saying so; no thread of the
//! driver waits longer than that on the cluster. Output is read with poll(2)
//! on the calling thread, so a call takes no extra thread.

use std::ffi::{OsStr, OsString};
use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};

/// A pipe that polls writable has room for at least one page, so writes of
/// this size to the command's stdin never block.
const CHUNK: usize = 4096;

/// Why a Slurm command gave no usable answer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ToolError {
    /// The program is not in any directory of the search path.
    #[error(
        "{program} is not on PATH ({path}): Slurm jobs need Slurm's commands; run jobdeck on \
         a login node of the cluster, or add Slurm's bin directory to PATH"
    )]
    NotOnPath {
        /// `sbatch`, `sinfo`, ...
        program: String,
        /// The search path, as a person would read it.
        path: String,
    },
    /// The program exists but could not be started or read.
    #[error("could not run {program}: {reason}")]
    Spawn {
        /// The program.
        program: String,
        /// The operating system's word for it.
        reason: String,
    },
    /// The command did not finish before its deadline and was killed.
    #[error("`{command}` gave no answer within {} s", timeout.as_secs_f32())]
    NoAnswer {
        /// The command line.
        command: String,
        /// The deadline it had.
        timeout: Duration,
    },
    /// The command ended with a failure status.
    #[error("`{command}` failed ({status}): {stderr}")]
    Failed {
        /// The command line.
        command: String,
        /// How it ended (`exit code 1`, `signal 9`).
        status: String,
        /// What it printed on stderr, trimmed.
        stderr: String,
    },
}

impl ToolError {
    /// Whether the cluster did not answer, as opposed to answering no: the
    /// command timed out, or says it could not reach the controller.
    pub fn is_silence(&self) -> bool {
        match self {
            Self::NoAnswer { .. } => true,
            Self::Failed { stderr, .. } => [
                "Unable to contact slurm controller",
                "Socket timed out",
                "Zero Bytes were transmitted",
            ]
            .iter()
            .any(|words| stderr.contains(words)),
            Self::NotOnPath { .. } | Self::Spawn { .. } => false,
        }
    }
}

/// Where Slurm's commands are found and how long each may take.
#[derive(Clone, Debug)]
pub struct Tools {
    search_path: OsString,
    slurm_conf: Option<PathBuf>,
    timeout: Duration,
}

impl Tools {
    /// Finds commands in `search_path` (or jobdeck's `PATH`), hands them
    /// `SLURM_CONF=slurm_conf` when given, and kills any that runs longer
    /// than `timeout`.
    pub fn new(
        search_path: Option<OsString>,
        slurm_conf: Option<PathBuf>,
        timeout: Duration,
    ) -> Self {
        let search_path = search_path
            .or_else(|| std::env::var_os("PATH"))
            .unwrap_or_default();
        Self {
            search_path,
            slurm_conf,
            timeout,
        }
    }

    /// The full path of `program`, or why there is none.
    pub fn locate(&self, program: &str) -> Result<PathBuf, ToolError> {
        std::env::split_paths(&self.search_path)
            .map(|dir| dir.join(program))
            .find(|candidate| is_executable(candidate))
            .ok_or_else(|| ToolError::NotOnPath {
                program: program.to_owned(),
                path: self.search_path.to_string_lossy().into_owned(),
            })
    }

    /// Runs `program args...` with `input` on its stdin and returns its
    /// stdout; a non-zero exit is a [`ToolError::Failed`] carrying its
    /// stderr.
    pub fn run<S: AsRef<OsStr>>(
        &self,
        program: &str,
        args: &[S],
        input: &[u8],
    ) -> Result<String, ToolError> {
        let path = self.locate(program)?;
        let mut command = Command::new(&path);
        command
            .args(args)
            .stdin(if input.is_empty() {
                Stdio::null()
            } else {
                Stdio::piped()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(conf) = &self.slurm_conf {
            command.env("SLURM_CONF", conf);
        }
        let line = command_line(program, args);
        let spawn_error = |error: std::io::Error| ToolError::Spawn {
            program: program.to_owned(),
            reason: error.to_string(),
        };
        let mut child = spawn(&mut command).map_err(spawn_error)?;
        let deadline = Instant::now() + self.timeout;
        let exchanged = exchange(&mut child, input, deadline);
        let (stdout, stderr) = match exchanged {
            Ok(Some(output)) => output,
            Ok(None) => {
                kill(&mut child);
                return Err(ToolError::NoAnswer {
                    command: line,
                    timeout: self.timeout,
                });
            }
            Err(error) => {
                kill(&mut child);
                return Err(spawn_error(error));
            }
        };
        let Some(status) = wait_until(&mut child, deadline).map_err(spawn_error)? else {
            kill(&mut child);
            return Err(ToolError::NoAnswer {
                command: line,
                timeout: self.timeout,
            });
        };
        if status.success() {
            Ok(String::from_utf8_lossy(&stdout).into_owned())
        } else {
            Err(ToolError::Failed {
                command: line,
                status: describe(status),
                stderr: String::from_utf8_lossy(&stderr).trim().to_owned(),
            })
        }
    }
}

/// Spawns `command`, retrying briefly while its program file is busy: a
/// script written just before (as the tests' stand-ins are) can be held
/// open for writing by a child another thread forked and has not yet exec'd.
fn spawn(command: &mut Command) -> std::io::Result<Child> {
    let mut tries = 0;
    loop {
        match command.spawn() {
            Err(error) if error.kind() == std::io::ErrorKind::ExecutableFileBusy && tries < 50 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(2));
            }
            spawned => return spawned,
        }
    }
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

/// The command as a person would retype it, for messages.
fn command_line<S: AsRef<OsStr>>(program: &str, args: &[S]) -> String {
    let mut words = vec![program.to_owned()];
    words.extend(
        args.iter()
            .map(|arg| arg.as_ref().to_string_lossy().into_owned()),
    );
    shlex::try_join(words.iter().map(String::as_str)).unwrap_or_else(|_| words.join(" "))
}

fn describe(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit code {code}"),
        (None, Some(signal)) => format!("killed by signal {signal}"),
        (None, None) => "unknown status".to_owned(),
    }
}

/// Writes `input` to the child's stdin and reads its stdout and stderr until
/// both close, all on this thread. `Ok(None)` when the deadline passed first.
fn exchange(
    child: &mut Child,
    input: &[u8],
    deadline: Instant,
) -> std::io::Result<Option<(Vec<u8>, Vec<u8>)>> {
    let mut stdin = child.stdin.take();
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut written = 0;
    let mut buffer = [0_u8; 16 * 1024];
    while stdin.is_some() || stdout.is_some() || stderr.is_some() {
        let Some(left) = deadline.checked_duration_since(Instant::now()) else {
            return Ok(None);
        };
        let timeout = PollTimeout::try_from(left).unwrap_or(PollTimeout::MAX);
        let (in_ready, out_ready, err_ready) = {
            let mut fds = Vec::with_capacity(3);
            if let Some(pipe) = &stdin {
                fds.push(PollFd::new(pipe.as_fd(), PollFlags::POLLOUT));
            }
            if let Some(pipe) = &stdout {
                fds.push(PollFd::new(pipe.as_fd(), PollFlags::POLLIN));
            }
            if let Some(pipe) = &stderr {
                fds.push(PollFd::new(pipe.as_fd(), PollFlags::POLLIN));
            }
            match poll(&mut fds, timeout) {
                Ok(_) | Err(nix::errno::Errno::EINTR) => {}
                Err(errno) => return Err(errno.into()),
            }
            let mut ready = fds.iter().map(|fd| fd.any().unwrap_or(true));
            (
                stdin.is_some() && ready.next().unwrap_or(false),
                stdout.is_some() && ready.next().unwrap_or(false),
                stderr.is_some() && ready.next().unwrap_or(false),
            )
        };
        if in_ready && let Some(pipe) = &mut stdin {
            let end = input.len().min(written + CHUNK);
            match pipe.write(&input[written..end]) {
                Ok(count) => written += count,
                // The command stopped reading: what it did with the part it
                // read shows in its status and stderr.
                Err(_) => written = input.len(),
            }
            if written == input.len() {
                stdin = None;
            }
        }
        if out_ready && read_some(&mut stdout, &mut buffer, &mut out)? {
            stdout = None;
        }
        if err_ready && read_some(&mut stderr, &mut buffer, &mut err)? {
            stderr = None;
        }
    }
    Ok(Some((out, err)))
}

/// Reads what is there into `into`; true at the end of the stream.
fn read_some(
    pipe: &mut Option<impl Read>,
    buffer: &mut [u8],
    into: &mut Vec<u8>,
) -> std::io::Result<bool> {
    let Some(reader) = pipe else {
        return Ok(true);
    };
    match reader.read(buffer) {
        Ok(0) => Ok(true),
        Ok(count) => {
            into.extend_from_slice(&buffer[..count]);
            Ok(false)
        }
        Err(error) if error.kind() == std::io::ErrorKind::Interrupted => Ok(false),
        Err(error) => Err(error),
    }
}

/// Waits for the child, which closed its output, to exit; `None` when the
/// deadline passes first.
fn wait_until(child: &mut Child, deadline: Instant) -> std::io::Result<Option<ExitStatus>> {
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn kill(child: &mut Child) {
    // Already gone is fine: either way it is reaped below.
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tools(timeout: Duration) -> Tools {
        Tools::new(None, None, timeout)
    }

    #[test]
    fn answers_with_stdout_and_feeds_stdin() {
        let stdout = tools(Duration::from_secs(10))
            .run("cat", &["-"], b"hello\n")
            .unwrap();
        assert_eq!(stdout, "hello\n");
        let big = vec![b'x'; 300_000];
        let stdout = tools(Duration::from_secs(10))
            .run("cat", &["-"], &big)
            .unwrap();
        assert_eq!(stdout.len(), big.len());
    }

    #[test]
    fn a_failure_carries_its_stderr() {
        let error = tools(Duration::from_secs(10))
            .run("sh", &["-c", "echo oops >&2; exit 3"], b"")
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "`sh -c 'echo oops >&2; exit 3'` failed (exit code 3): oops"
        );
    }

    #[test]
    fn a_hung_command_is_killed_at_its_deadline() {
        let started = Instant::now();
        let error = tools(Duration::from_millis(200))
            .run("sleep", &["30"], b"")
            .unwrap_err();
        assert!(matches!(error, ToolError::NoAnswer { .. }), "{error}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn a_program_busy_being_written_is_run_once_it_is_closed() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sinfo");
        let mut file = std::fs::File::create(&path).unwrap();
        file.write_all(b"#!/bin/sh\necho answered\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        // Still open for writing: exec fails with ETXTBSY until it closes.
        let closer = std::thread::Builder::new()
            .name("test-closer".into())
            .spawn(move || {
                std::thread::sleep(Duration::from_millis(30));
                drop(file);
            })
            .unwrap();
        let tools = Tools::new(Some(dir.path().into()), None, Duration::from_secs(5));
        assert_eq!(tools.run::<&str>("sinfo", &[], b"").unwrap(), "answered\n");
        closer.join().unwrap();
    }

    #[test]
    fn a_missing_program_names_the_search_path() {
        let tools = Tools::new(Some("/nonexistent".into()), None, Duration::from_secs(1));
        let error = tools.run("sbatch", &["--version"], b"").unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("sbatch is not on PATH (/nonexistent)"),
            "{error}"
        );
    }
}
