//! The `Job` trait (the `QRunnable` of this project) and what a job returns.

use std::fmt;

use super::JobContext;

/// What a successful job hands back.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Output {
    /// A one-line, human-readable result ("sum = 500000500000").
    pub summary: String,
    /// The exit code, for jobs that run a process.
    pub exit_code: Option<i32>,
}

impl Output {
    /// A result that is only text.
    #[must_use]
    pub fn text(summary: impl Into<String>) -> Self {
        Self {
            summary: summary.into(),
            exit_code: None,
        }
    }

    /// The result of a process that exited with `code`.
    #[must_use]
    pub fn exit(code: i32, summary: impl Into<String>) -> Self {
        Self {
            summary: summary.into(),
            exit_code: Some(code),
        }
    }
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary)
    }
}

/// Why a job did not produce an [`Output`].
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum JobError {
    /// The job saw its stop flag and returned early.
    #[error("stopped")]
    Stopped,
    /// The job failed; `message` says why.
    #[error("{message}")]
    Failed {
        /// What went wrong, for a person.
        message: String,
        /// The exit code, for jobs that run a process.
        exit_code: Option<i32>,
    },
}

impl JobError {
    /// A failure described by `message`.
    #[must_use]
    pub fn msg(message: impl Into<String>) -> Self {
        Self::Failed {
            message: message.into(),
            exit_code: None,
        }
    }

    /// A process that exited with a non-zero `code`.
    #[must_use]
    pub fn exit(code: i32, message: impl Into<String>) -> Self {
        Self::Failed {
            message: message.into(),
            exit_code: Some(code),
        }
    }
}

impl From<String> for JobError {
    fn from(message: String) -> Self {
        Self::msg(message)
    }
}

impl From<&str> for JobError {
    fn from(message: &str) -> Self {
        Self::msg(message)
    }
}

/// What a job's `run` returns.
pub type JobResult = Result<Output, JobError>;

/// A unit of work the pool can run.
///
/// `run` may be called more than once when the job has retries, which is why it
/// takes `&mut self`. Inside, report through the context and look at its stop
/// flag often (once per step): that is what makes Stop, timeouts and shutdown
/// prompt.
pub trait Job: Send + 'static {
    /// Does the work.
    fn run(&mut self, ctx: &JobContext) -> JobResult;
}

impl<F> Job for F
where
    F: FnMut(&JobContext) -> JobResult + Send + 'static,
{
    fn run(&mut self, ctx: &JobContext) -> JobResult {
        self(ctx)
    }
}
