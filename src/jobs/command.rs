//! External programs as jobs.
//!
//! Each run spawns the program (by argv, or through `sh -c` with
//! [`CommandJob::shell`]) as the leader of its own process group, with stdin
//! closed and stdout and stderr on two pipes, both read by one named thread
//! (see `reader.rs`) in the order the program wrote them, as closely as two
//! pipes allow. Its bytes go, as they are, to the full log file (created
//! with the first output: a program that prints nothing leaves no log
//! file; see `log_file.rs`), and through a terminal per stream (see
//! [`crate::term`]: escape sequences become styles, `\r` redraws the line
//! in place) to the job's log, as lines tagged with their stream: each
//! line the program ended, and its unfinished line whenever it is redrawn
//! (see [`LineStatus`]). Progress is read from the text without escapes
//! in the job's
//! [`ProgressFormat`] (see [`OutputParser`] and `progress/`), of ended lines and redraws alike, so a coloured
//! bar drives the progress as a plain one does; `jobdeck:progress <0..1>`
//! and `jobdeck:sample <series> <x> <y>` lines become progress and plot
//! points once ended, and are kept out of the job's log (the file still
//! has them). When the program fails, the job's error ends with the last
//! lines it wrote to stderr (at most 5, each cut to 256 bytes; see
//! `stderr_tail.rs`).
//!
//! The program also gets `JOBDECK_JOB_ID` and `JOBDECK_ATTEMPT` in its
//! environment (the job's own env cannot change them), and
//! `PYTHONUNBUFFERED=1` (so Python scripts' progress arrives as it is
//! printed) unless the job's own env sets it.
//!
//! A stop sends SIGTERM to the whole group and SIGKILL after the grace
//! period; when the leader exits, whatever is left of its group is killed.
//! Processes that left the group (`setsid`, a daemon's double fork) are
//! found and get the same signals, and are killed with the group and reaped
//! (see `escapees.rs`, which says how they are told apart and what it
//! cannot catch), so no child or grandchild outlives the job. If jobdeck
//! itself dies, the program's group gets SIGKILL (see `parent_death.rs`). Pausing
//! the job stops the group with SIGSTOP and resuming continues it with
//! SIGCONT; the log says `jobdeck: paused` and `jobdeck: resumed`. A paused
//! job that is stopped (or times out) gets SIGCONT along with the SIGTERM,
//! so it can act on it.

use std::path::PathBuf;
use std::process::{Command, ExitStatus};
use std::time::Duration;

mod lines;

use lines::Lines;

use super::control::Control;
use super::log_file::LogFile;
use super::output::OutputParser;
use super::process::{JobProcesses, describe_exit};
use super::progress::ProgressFormat;
use super::reader::{self, Reader};
use super::stderr_tail::StderrTail;
use super::watch::{Seen, watch};
use crate::engine::{Job, JobContext, JobError, JobId, JobResult, Output, ProcessInfo};
use crate::full_log::Origin;

/// The environment variable that overrides [`default_log_dir`].
pub const LOG_DIR_ENV: &str = "JOBDECK_LOG_DIR";

/// The environment variable that gives a program its job's id.
const JOB_ID_ENV: &str = "JOBDECK_JOB_ID";

/// How long a stopped command gets between SIGTERM and SIGKILL by default.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(5);

/// Where full command logs go when a job names no log file:
/// `$JOBDECK_LOG_DIR` when set, otherwise `<data dir>/jobdeck/logs`.
#[must_use]
pub fn default_log_dir() -> PathBuf {
    log_dir_from(std::env::var_os(LOG_DIR_ENV))
}

/// [`default_log_dir`] given the value of `JOBDECK_LOG_DIR`; an empty value
/// counts as unset.
fn log_dir_from(env_value: Option<std::ffi::OsString>) -> PathBuf {
    if let Some(dir) = env_value.filter(|dir| !dir.is_empty()) {
        return PathBuf::from(dir);
    }
    directories::BaseDirs::new()
        .map_or_else(std::env::temp_dir, |dirs| dirs.data_dir().to_path_buf())
        .join("jobdeck")
        .join("logs")
}

/// A command line that cannot become a job.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CommandLineError {
    /// Nothing but whitespace (or an empty program name, as in `''`).
    #[error("the command line is empty")]
    Empty,
    /// A quote or a trailing backslash is left open.
    #[error("the command line has an unclosed quote or a trailing backslash")]
    Unbalanced,
}

/// Runs an external program. See the module docs for what it does with the
/// program's output.
#[derive(Clone, Debug)]
pub struct CommandJob {
    argv: Vec<String>,
    shell: bool,
    cwd: Option<PathBuf>,
    env: Vec<(String, String)>,
    progress: ProgressFormat,
    grace: Duration,
    log_file: Option<PathBuf>,
    log_dir: Option<PathBuf>,
}

impl CommandJob {
    /// Runs `argv[0]` with the rest as its arguments, no shell involved.
    #[must_use]
    pub fn new(argv: Vec<String>) -> Self {
        Self {
            argv,
            shell: false,
            cwd: None,
            env: Vec::new(),
            progress: ProgressFormat::Auto,
            grace: DEFAULT_GRACE,
            log_file: None,
            log_dir: None,
        }
    }

    /// Splits `line` the way a POSIX shell splits words (quotes, backslashes)
    /// and runs the result without a shell.
    ///
    /// # Errors
    /// [`CommandLineError`] for an empty line or unbalanced quotes.
    pub fn from_command_line(line: &str) -> Result<Self, CommandLineError> {
        let argv = shlex::split(line).ok_or(CommandLineError::Unbalanced)?;
        if argv.first().is_none_or(String::is_empty) {
            return Err(CommandLineError::Empty);
        }
        Ok(Self::new(argv))
    }

    /// With `true`, the argv joined by spaces is run as a script by `sh -c`.
    #[must_use]
    pub fn shell(mut self, shell: bool) -> Self {
        self.shell = shell;
        self
    }

    /// Runs the program in `dir` instead of jobdeck's working directory.
    #[must_use]
    pub fn cwd(mut self, dir: PathBuf) -> Self {
        self.cwd = Some(dir);
        self
    }

    /// Sets an environment variable for the program.
    #[must_use]
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Reads progress from the output in `format` (`auto` by default).
    #[must_use]
    pub fn progress(mut self, format: ProgressFormat) -> Self {
        self.progress = format;
        self
    }

    /// How long to wait after SIGTERM before SIGKILL when stopped.
    #[must_use]
    pub fn grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// Writes the full log to `path` (appending) instead of the default
    /// `<default_log_dir()>/<job id>.log`. The file (and its directory) is
    /// created when the program first prints something: a silent program
    /// leaves no log file.
    #[must_use]
    pub fn log_file(mut self, path: PathBuf) -> Self {
        self.log_file = Some(path);
        self
    }

    /// Writes the full log to `<dir>/<job id>.log` instead of the default
    /// log folder; [`log_file`](Self::log_file), when given, wins.
    #[must_use]
    pub fn log_dir(mut self, dir: PathBuf) -> Self {
        self.log_dir = Some(dir);
        self
    }

    /// The program and its arguments (or the script's words, with a shell).
    #[must_use]
    pub fn argv(&self) -> &[String] {
        &self.argv
    }

    /// The command as a person would type it: argv quoted for a shell, or
    /// the script itself with [`shell`](Self::shell).
    #[must_use]
    pub fn command_line(&self) -> String {
        if self.shell {
            self.argv.join(" ")
        } else {
            shlex::try_join(self.argv.iter().map(String::as_str))
                .unwrap_or_else(|_| self.argv.join(" "))
        }
    }

    /// Where the full log of the job with id `id` is written. The file
    /// exists only once the job has printed something.
    #[must_use]
    pub fn log_path(&self, id: JobId) -> PathBuf {
        self.log_file.clone().unwrap_or_else(|| {
            let dir = self.log_dir.clone().unwrap_or_else(default_log_dir);
            dir.join(format!("{id}.log"))
        })
    }

    fn program(&self) -> &str {
        if self.shell {
            "sh"
        } else {
            self.argv.first().map_or("", String::as_str)
        }
    }

    fn build(&self, ctx: &JobContext) -> Command {
        let mut command = if self.shell {
            let mut command = Command::new("sh");
            command.arg("-c").arg(self.argv.join(" "));
            command
        } else {
            let mut command = Command::new(&self.argv[0]);
            command.args(&self.argv[1..]);
            command
        };
        // Python buffers stdout when it is a pipe, which would hold progress
        // back until exit; the job's own env may still override this.
        command.env("PYTHONUNBUFFERED", "1");
        command.envs(self.env.iter().map(|(key, value)| (key, value)));
        // Set last, so the job's env cannot change them: the job id also
        // tells the job's escaped processes apart (see `escapees.rs`).
        command
            .env(JOB_ID_ENV, ctx.id().to_string())
            .env("JOBDECK_ATTEMPT", ctx.attempt().to_string());
        if let Some(dir) = &self.cwd {
            command.current_dir(dir);
        }
        command
    }
}

impl Job for CommandJob {
    fn run(&mut self, ctx: &JobContext) -> JobResult {
        if self.argv.first().is_none_or(String::is_empty) {
            return Err(JobError::msg("no program to run: the command is empty"));
        }
        // A stop that came before the start needs no process at all.
        ctx.checkpoint()?;
        let mut log = LogFile::new(self.log_path(ctx.id()), ctx);
        let (mut processes, pipes) = JobProcesses::spawn(
            self.build(ctx),
            self.program(),
            self.cwd.as_deref(),
            format!("{JOB_ID_ENV}={}", ctx.id()),
        )
        .map_err(JobError::msg)?;
        report_process(ctx, processes.pid());
        let reader = Reader::spawn(
            format!("jd-out-{}", ctx.id().short()),
            pipes.stdout,
            pipes.stderr,
        )
        .map_err(|error| JobError::msg(format!("could not read the output: {error}")))?;

        let mut lines = Lines::new(ctx, OutputParser::new(&self.progress));
        let mut control = Control::new(self.grace);
        let status = watch(
            ctx,
            &mut processes,
            reader.output(),
            &mut control,
            |seen| match seen {
                Seen::Output(reader::Output::Bytes { stream, bytes }) => {
                    log.write(Origin::Program(stream), &bytes, ctx);
                }
                Seen::Output(reader::Output::Ended { stream, line }) => lines.ended(stream, line),
                Seen::Output(reader::Output::Returned { line }) => lines.returned(&line),
                Seen::Output(reader::Output::Redraw { stream, line }) => {
                    lines.redraw(stream, line);
                }
                Seen::Notice(notice) => {
                    log.note(notice.text(), ctx);
                    ctx.log(notice.text());
                }
                Seen::Lull => log.lull(),
            },
        );
        drop(reader);
        log.finish();
        let status = status
            .map_err(|error| JobError::msg(format!("lost track of {}: {error}", self.program())))?;
        if control.stop_requested() {
            return Err(JobError::Stopped);
        }
        finished(status, &lines.stderr_tail)
    }
}

/// Tells the pool which process group this attempt runs, so a journal can
/// find it again should jobdeck die without stopping it.
fn report_process(ctx: &JobContext, pid: u32) {
    ctx.report_process(ProcessInfo {
        pid,
        pgid: pid,
        start_ticks: crate::procfs::start_ticks(pid),
    });
}

/// How the job ended, going by its exit status; a failure's message ends
/// with the last lines the program wrote to stderr.
fn finished(status: ExitStatus, stderr_tail: &StderrTail) -> JobResult {
    let description = describe_exit(status);
    match status.code() {
        Some(0) => Ok(Output::exit(0, description)),
        Some(code) => Err(JobError::exit(code, stderr_tail.explain(description))),
        None => Err(JobError::msg(stderr_tail.explain(description))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_dir_comes_from_the_environment_when_set() {
        assert_eq!(log_dir_from(Some("/tmp/x".into())), PathBuf::from("/tmp/x"));
        let default = log_dir_from(None);
        assert!(default.ends_with("jobdeck/logs"), "{}", default.display());
        assert_eq!(log_dir_from(Some("".into())), default);
    }

    #[test]
    fn a_log_dir_holds_the_log_unless_a_log_file_is_given() {
        let id = JobId::new();
        let job = CommandJob::new(vec!["true".into()]).log_dir("/tmp/logs".into());
        assert_eq!(
            job.log_path(id),
            PathBuf::from(format!("/tmp/logs/{id}.log"))
        );
        let job = job.log_file("/tmp/one.log".into());
        assert_eq!(job.log_path(id), PathBuf::from("/tmp/one.log"));
    }

    #[test]
    fn the_log_file_defaults_to_the_job_id_in_the_log_dir() {
        let id = JobId::new();
        let job = CommandJob::new(vec!["true".into()]);
        assert_eq!(
            job.log_path(id),
            default_log_dir().join(format!("{id}.log"))
        );
        let job = job.log_file(PathBuf::from("/tmp/mine.log"));
        assert_eq!(job.log_path(id), PathBuf::from("/tmp/mine.log"));
    }

    #[test]
    fn command_lines_show_quoting_or_the_script() {
        let job = CommandJob::new(vec!["echo".into(), "a b".into(), "c".into()]);
        assert_eq!(job.command_line(), "echo 'a b' c");
        assert_eq!(job.clone().shell(true).command_line(), "echo a b c");
        assert_eq!(job.program(), "echo");
        assert_eq!(job.shell(true).program(), "sh");
    }

    #[test]
    fn the_cut_note_says_the_cap() {
        let cap = format!("cut at {} characters", "65,536");
        assert_eq!(crate::term::MAX_LINE_CHARS, 65_536);
        assert!(crate::engine::CUT_NOTE.contains(&cap));
    }

    #[test]
    fn exit_statuses_become_outcomes() {
        use std::os::unix::process::ExitStatusExt;
        let quiet = StderrTail::default();
        assert_eq!(
            finished(ExitStatus::from_raw(0), &quiet),
            Ok(Output::exit(0, "exited with code 0"))
        );
        assert_eq!(
            finished(ExitStatus::from_raw(3 << 8), &quiet),
            Err(JobError::exit(3, "exited with code 3"))
        );
        assert_eq!(
            finished(ExitStatus::from_raw(15), &quiet),
            Err(JobError::msg("killed by signal 15 (SIGTERM)"))
        );
        let mut complained = StderrTail::default();
        complained.push("no such file");
        assert_eq!(
            finished(ExitStatus::from_raw(0), &complained),
            Ok(Output::exit(0, "exited with code 0")),
            "a success says nothing of stderr"
        );
        assert_eq!(
            finished(ExitStatus::from_raw(2 << 8), &complained),
            Err(JobError::exit(
                2,
                "exited with code 2; last lines on stderr:\nno such file"
            ))
        );
    }
}
