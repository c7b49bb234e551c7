//! The plain data and the two traits every remote backend shares.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::jobspec::Program;

/// A command job as a remote executor sees it: plain data, no engine types.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterJob {
    /// The name the cluster shows (Slurm's `-J`).
    pub name: String,
    /// What to run.
    pub program: Program,
    /// Where to run it; `None` runs it where jobdeck was started.
    pub cwd: Option<PathBuf>,
    /// Variables added to the environment the job inherits from jobdeck.
    pub env: Vec<(String, String)>,
    /// How long the job may run once it started on the cluster (time spent
    /// waiting in the cluster's queue does not count); `None` for no limit.
    pub timeout: Option<Duration>,
    /// jobdeck's priority: higher goes first among the jobs the executor
    /// holds back, and a negative one lowers the job on the cluster.
    pub priority: i32,
    /// How long a stopped job gets between the polite signal and the kill.
    pub grace: Duration,
}

impl ClusterJob {
    /// A job named `name` running `program`, with no cwd, env or timeout,
    /// priority 0 and a 5 s grace (as local command jobs have).
    #[must_use]
    pub fn new(name: impl Into<String>, program: Program) -> Self {
        Self {
            name: name.into(),
            program,
            cwd: None,
            env: Vec::new(),
            timeout: None,
            priority: 0,
            grace: crate::jobs::command::DEFAULT_GRACE,
        }
    }
}

/// Where a remote job is, as the cluster tells it. Reported when it changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClusterStatus {
    /// Held back by jobdeck, not yet submitted: the executor's in-flight cap
    /// is reached.
    Held,
    /// The cluster accepted the job.
    Submitted {
        /// The cluster's id for it (Slurm's job id).
        id: String,
        /// The file the job's output goes to, and is followed from.
        output: PathBuf,
    },
    /// Waiting in the cluster's queue.
    Pending {
        /// The cluster's id for it.
        id: String,
        /// Why it waits, in the cluster's words (Slurm: `Resources`,
        /// `Priority`, ...).
        reason: String,
    },
    /// Running on the cluster.
    Running {
        /// The cluster's id for it.
        id: String,
        /// Where it runs (Slurm's node list).
        nodes: String,
    },
    /// Paused by the cluster or its administrators (Slurm: `SUSPENDED`).
    Suspended {
        /// The cluster's id for it.
        id: String,
        /// The cluster's word for the state.
        state: String,
    },
    /// Its processes are being cleaned up (Slurm: `COMPLETING`).
    Ending {
        /// The cluster's id for it.
        id: String,
        /// The cluster's word for the state.
        state: String,
    },
}

impl ClusterStatus {
    /// The cluster's id for the job, once it has one.
    #[must_use]
    pub fn id(&self) -> Option<&str> {
        match self {
            Self::Held => None,
            Self::Submitted { id, .. }
            | Self::Pending { id, .. }
            | Self::Running { id, .. }
            | Self::Suspended { id, .. }
            | Self::Ending { id, .. } => Some(id),
        }
    }
}

impl fmt::Display for ClusterStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Held => f.write_str("held by jobdeck (in-flight cap reached)"),
            Self::Submitted { id, .. } => write!(f, "{id} SUBMITTED"),
            Self::Pending { id, reason } if reason.is_empty() || reason == "None" => {
                write!(f, "{id} PENDING")
            }
            Self::Pending { id, reason } => write!(f, "{id} PENDING ({reason})"),
            Self::Running { id, nodes } if nodes.is_empty() => write!(f, "{id} RUNNING"),
            Self::Running { id, nodes } => write!(f, "{id} RUNNING on {nodes}"),
            Self::Suspended { id, state } | Self::Ending { id, state } => {
                write!(f, "{id} {state}")
            }
        }
    }
}

/// A remote job's exit status, as the cluster reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClusterExit {
    /// The exit code (Slurm's `ExitCode=a:b`, the `a`).
    pub code: i32,
    /// The signal that ended it, if one did (the `b`).
    pub signal: Option<i32>,
}

/// How a remote job ended. Each message says what happened, naming the
/// cluster's id for the job when it had one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClusterOutcome {
    /// It ran and exited with code 0.
    Succeeded {
        /// What happened, for the log and the details view.
        message: String,
    },
    /// It failed: a non-zero exit, a signal, a cluster failure (node,
    /// memory, preemption), a cancel by someone else, a submission that was
    /// refused, or a cluster that stopped answering.
    Failed {
        /// The exit status, when the cluster gave one.
        exit: Option<ClusterExit>,
        /// What happened.
        message: String,
    },
    /// Stopped through its [`ClusterHandle`].
    Stopped {
        /// What happened.
        message: String,
    },
    /// It ran past its time limit: [`ClusterJob::timeout`] or one the
    /// cluster set.
    TimedOut {
        /// What happened.
        message: String,
    },
}

impl ClusterOutcome {
    /// The sentence saying what happened.
    #[must_use]
    pub fn message(&self) -> &str {
        match self {
            Self::Succeeded { message }
            | Self::Failed { message, .. }
            | Self::Stopped { message }
            | Self::TimedOut { message } => message,
        }
    }
}

/// Receives what happens to one remote job. See the [module docs](super)
/// for when and on which thread each method is called.
pub trait Reporter: Send + Sync {
    /// The job's place changed (held, submitted, pending, running, ...).
    fn status(&self, status: ClusterStatus);
    /// One line of the job's output (stdout and stderr share a file on the
    /// cluster), read as local output is, as a terminal shows it: `\n` ends
    /// a line, a line redrawn after `\r` comes once, as it ended, and escape
    /// sequences never reach the text.
    fn line(&self, line: String);
    /// Something jobdeck did to the job that its output will not show
    /// (a stop sent, a kill after the grace); starts with `jobdeck: `.
    fn notice(&self, text: String);
    /// How the job ended. Called exactly once, last.
    fn finished(&self, outcome: ClusterOutcome);
}

/// Stops one submitted remote job.
pub trait ClusterHandle: Send + Sync {
    /// Asks the job to stop: the polite signal now, the kill after the job's
    /// grace. A job not yet on the cluster ends at once, never submitted.
    /// Returns whether this call asked (false when the job had already
    /// ended or a stop was already asked). Never blocks on the cluster.
    fn stop(&self) -> bool;
}

/// A cluster scheduler that runs [`ClusterJob`]s.
pub trait ClusterExecutor: Send + Sync {
    /// Queues `job` for the cluster and returns at once; what happens next
    /// goes to `reporter`, which always ends with one `finished`.
    fn submit(&self, job: ClusterJob, reporter: Arc<dyn Reporter>) -> Box<dyn ClusterHandle>;

    /// Follows a job the cluster already runs as `remote_id` (submitted for
    /// `job` by an earlier jobdeck, say, one that was restarted), as if
    /// `submit` had put it there; nothing new is submitted. Refused when
    /// `remote_id` cannot be this cluster's id; otherwise like `submit`.
    fn attach(
        &self,
        remote_id: &str,
        job: ClusterJob,
        reporter: Arc<dyn Reporter>,
    ) -> Result<Box<dyn ClusterHandle>, String>;

    /// Cancels every job it has on the cluster at once, from the calling
    /// thread, skipping the polite signal and the grace: for a jobdeck
    /// about to exit without waiting. Returns how many it cancelled.
    fn cancel_all_now(&self) -> Result<usize, String>;
}
