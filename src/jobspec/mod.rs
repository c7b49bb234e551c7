//! One description of a job: [`JobSpec`].
//!
//! A spec says what a job runs — a demo kind with its parameters, or a
//! command ([`JobKind`]) — and how it is scheduled: its name, timeout,
//! retries, priority and the jobs it waits for (`after`, by name). It is
//! plain data (serde), so it can be shown, stored and sent back;
//! [`JobSpec::build`] turns it into the engine's runnable
//! [`NewJob`](crate::engine::NewJob), given an id and what the caller
//! decides ([`BuildContext`]: the log folder and the stop grace period
//! used when the spec names none).
//!
//! Every job jobdeck runs has one: the toolbar makes one per Start job, a
//! job file one per job (batches expanded, see [`crate::jobfile`]), and the
//! board keeps each job's spec (shared, `Arc`), so Retry works for any job.
//! A [`Plan`] is a set of specs with ids and their dependencies resolved to
//! ids, ready for [`Session::submit`](crate::session::Session::submit).
//!
//! In JSON a spec is one flat object tagged by `kind`, with the job file's
//! keys where they exist; keys at their defaults are left out:
//!
//! ```
//! use jobdeck::jobspec::JobSpec;
//!
//! let spec: JobSpec = serde_json::from_str(
//!     r#"{"name": "compress a.log", "kind": "command", "argv": ["gzip", "-k", "a.log"],
//!         "timeout_secs": 600, "retries": 1, "after": [{"batch": "fetch {#}"}]}"#,
//! )
//! .unwrap();
//! assert_eq!(spec.summary(), "gzip -k a.log");
//! let demo: JobSpec =
//!     serde_json::from_str(r#"{"name": "walk", "kind": "random_walk", "points": 5}"#).unwrap();
//! assert_eq!(demo.kind.key(), "random_walk");
//! ```
//!
//! A command runs locally unless its [`CommandSpec::executor`] names a
//! cluster ([`Executor`]); the field's default is local, so specs written
//! before there was a choice keep their meaning.

mod command;
mod executor;
mod kind;
mod plan;
mod secs;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::engine::{JobId, NewJob};
use crate::executor::Clusters;
use crate::jobs::command::DEFAULT_GRACE;

pub use crate::jobs::{FormatKind, ProgressFormat, ProgressRegex, ProgressRegexError};
pub use command::{CommandSpec, Program};
pub use executor::{Executor, ExecutorKind};
pub use kind::JobKind;
pub use plan::{Barrier, Plan, PlannedJob};

/// Everything about one job that is not its run: what it runs and how it is
/// scheduled. See the module docs for its JSON form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobSpec {
    /// The job's name, unique among the jobs it was submitted with.
    pub name: String,
    /// The batch it belongs to: the job file's `name` as written (before
    /// placeholders were filled in), which `after` may name to mean every
    /// job of the batch. `None` for jobs outside any named batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<Arc<str>>,
    /// What it runs.
    #[serde(flatten)]
    pub kind: JobKind,
    /// A run longer than this is stopped and counts as timed out.
    #[serde(
        default,
        rename = "timeout_secs",
        with = "secs::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub timeout: Option<Duration>,
    /// How many more times to run it when a run fails or times out.
    #[serde(default, skip_serializing_if = "is_default")]
    pub retries: u32,
    /// Higher starts first; equal priorities start in submission order.
    #[serde(default, skip_serializing_if = "is_default")]
    pub priority: i32,
    /// What must succeed before it starts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<After>,
}

/// One thing a job waits for, by name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum After {
    /// The job with this name.
    Job(String),
    /// Every job whose [`JobSpec::batch`] is this.
    Batch(Arc<str>),
}

/// What the caller of [`JobSpec::build`] decides for the jobs it builds.
#[derive(Clone, Debug, PartialEq)]
pub struct BuildContext {
    /// Where a command writes its full log when its spec names no folder;
    /// `None` for [`default_log_dir`](crate::jobs::default_log_dir).
    pub log_dir: Option<PathBuf>,
    /// How long a stopped command gets between SIGTERM and SIGKILL when its
    /// spec does not say.
    pub default_grace: Duration,
    /// The cluster backends that run commands whose executor is a cluster,
    /// started when a job first needs one.
    pub clusters: Clusters,
}

impl Default for BuildContext {
    fn default() -> Self {
        Self {
            log_dir: None,
            default_grace: DEFAULT_GRACE,
            clusters: Clusters::default(),
        }
    }
}

impl JobSpec {
    /// A job called `name` running `kind`, with default scheduling: no
    /// timeout, no retries, priority 0, waiting for nothing.
    #[must_use]
    pub fn new(name: impl Into<String>, kind: JobKind) -> Self {
        Self {
            name: name.into(),
            batch: None,
            kind,
            timeout: None,
            retries: 0,
            priority: 0,
            after: Vec::new(),
        }
    }

    /// The engine job with id `id`: its work, priority, timeout and
    /// retries. Dependencies are ids, which only the caller knows: add
    /// them with [`NewJob::after`].
    ///
    /// A command for a cluster becomes a remote job
    /// ([`ClusterCommand`](crate::executor::ClusterCommand)) whose timeout
    /// its backend enforces, counting only the time the job runs; the
    /// engine's would count time spent in the cluster's queue too.
    #[must_use]
    pub fn build(&self, id: JobId, context: &BuildContext) -> NewJob {
        self.build_attached(id, context, None)
    }

    /// [`build`](Self::build), with the first attempt of a cluster job
    /// following the cluster's run `remote_id` (one a journal recorded
    /// before jobdeck restarted) instead of submitting a new one. Local jobs
    /// ignore it.
    #[must_use]
    pub fn build_attached(
        &self,
        id: JobId,
        context: &BuildContext,
        remote_id: Option<&str>,
    ) -> NewJob {
        let remote = match &self.kind {
            JobKind::Command(command) => {
                command.to_cluster_command(&self.name, self.timeout, self.priority, context)
            }
            JobKind::Demo(_) => None,
        };
        let (job, timeout) = match (remote, &self.kind) {
            (Some(remote), _) => {
                let remote = match remote_id {
                    Some(remote_id) => remote.attached_to(remote_id.to_owned()),
                    None => remote,
                };
                (NewJob::remote(remote), None)
            }
            (None, JobKind::Demo(demo)) => (NewJob::new(demo.clone()), self.timeout),
            (None, JobKind::Command(command)) => {
                (NewJob::new(command.to_job(context)), self.timeout)
            }
        };
        let job = job
            .with_id(id)
            .priority(self.priority)
            .retries(self.retries);
        match timeout {
            Some(timeout) => job.timeout(timeout),
            None => job,
        }
    }

    /// What the job does in one line: the command line, or the demo kind
    /// and its parameters.
    #[must_use]
    pub fn summary(&self) -> String {
        self.kind.summary()
    }

    /// Where the job with id `id`, built from this spec with `context`,
    /// writes its full log; `None` for jobs that keep no log file here
    /// (demo jobs, and cluster jobs, whose log names their output file).
    #[must_use]
    pub fn full_log(&self, id: JobId, context: &BuildContext) -> Option<PathBuf> {
        match &self.kind {
            JobKind::Command(command) if command.executor == Executor::Local => {
                Some(command.to_job(context).log_path(id))
            }
            // A cluster job's full log is its output file on the cluster,
            // named in its log once it is submitted.
            JobKind::Command(_) | JobKind::Demo(_) => None,
        }
    }
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

#[cfg(test)]
mod tests;
