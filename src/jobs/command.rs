//! External programs as jobs: a process group per job, output into the log,
//! progress and samples parsed from that output.

use std::path::PathBuf;
use std::time::Duration;

use regex::Regex;

use crate::engine::{Job, JobContext, JobError, JobResult};

/// The environment variable that overrides [`default_log_dir`].
pub const LOG_DIR_ENV: &str = "JOBDECK_LOG_DIR";

/// How long a stopped command gets between SIGTERM and SIGKILL by default.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(5);

/// Where full command logs go when a job names no log file:
/// `$JOBDECK_LOG_DIR` when set, otherwise `<data dir>/jobdeck/logs`.
#[must_use]
pub fn default_log_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(LOG_DIR_ENV).filter(|dir| !dir.is_empty()) {
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
    /// Nothing but whitespace.
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
    progress_regex: Option<Regex>,
    grace: Duration,
    log_file: Option<PathBuf>,
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
            progress_regex: None,
            grace: DEFAULT_GRACE,
            log_file: None,
        }
    }

    /// Splits `line` the way a POSIX shell splits words (quotes, backslashes)
    /// and runs the result without a shell.
    ///
    /// # Errors
    /// [`CommandLineError`] for an empty line or unbalanced quotes.
    pub fn from_command_line(line: &str) -> Result<Self, CommandLineError> {
        let argv = shlex::split(line).ok_or(CommandLineError::Unbalanced)?;
        if argv.is_empty() {
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

    /// Reads progress with `regex` instead of the built-in heuristics: one
    /// capture group is a percentage (0..=100), two are done and total.
    #[must_use]
    pub fn progress_regex(mut self, regex: Regex) -> Self {
        self.progress_regex = Some(regex);
        self
    }

    /// How long to wait after SIGTERM before SIGKILL when stopped.
    #[must_use]
    pub fn grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// Writes the full log to `path` (appending) instead of the default
    /// `<default_log_dir()>/<job id>.log`.
    #[must_use]
    pub fn log_file(mut self, path: PathBuf) -> Self {
        self.log_file = Some(path);
        self
    }

    /// The program and its arguments (or the script, with a shell).
    #[must_use]
    pub fn argv(&self) -> &[String] {
        &self.argv
    }
}

impl Job for CommandJob {
    fn run(&mut self, _ctx: &JobContext) -> JobResult {
        Err(JobError::msg(format!(
            "could not start {}: not implemented yet",
            self.argv.first().map_or("", String::as_str)
        )))
    }
}
