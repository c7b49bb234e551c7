//! Executors that run a command job somewhere other than this machine.
//!
//! A local command job is a process group that a worker thread watches. A
//! remote job is different: a cluster scheduler runs it, maybe hours after it
//! was submitted, and jobdeck only submits it, follows it and stops it. So a
//! remote executor holds no thread per job: [`ClusterExecutor::submit`] hands a
//! plain description of the job ([`ClusterJob`]) and a [`Reporter`] to the
//! executor and returns at once with a [`ClusterHandle`] to stop it; the
//! executor's own few threads report what happens through the reporter.
//!
//! What a backend promises, whatever the cluster:
//! - `submit` never blocks on the cluster and never calls the reporter;
//! - the reporter is called on the executor's threads only (and, for jobs
//!   still open when the executor is dropped, on the dropping thread), one
//!   call at a time per job, in order: statuses, output lines and notices,
//!   then exactly one [`Reporter::finished`], and nothing after it;
//! - the reporter is never called while the executor holds a lock that
//!   [`ClusterHandle::stop`] takes, so a reporter may call `stop`.
//!
//! [`slurm`] is the first backend; another (Ray's job API, say) would
//! implement [`ClusterExecutor`] beside it with the same types.
//!
//! # From a job spec to a cluster
//!
//! A command spec whose executor is a cluster
//! ([`Executor::Slurm`](crate::jobspec::Executor)) builds a
//! [`ClusterCommand`], which is the engine's
//! [`RemoteJob`](crate::engine::RemoteJob): each attempt it hands the job to
//! its backend (found in the session's [`Clusters`], started on first use)
//! with a relay as the reporter, which turns what the backend reports into
//! what a local command reports (see `relay.rs`): placements, progress,
//! samples and log lines read by the same parser, and the end. Who does
//! what between the engine and the backend (the cap, timeouts, stops,
//! retries, dependencies, pause) is said on [`ClusterCommand`].
//!
//! A second backend adds a variant to [`Cluster`] (and to the spec's
//! `Executor` and the job file's keys), and nothing to the engine, the board
//! or the window: they see a remote job, its [`Placement`](crate::engine::Placement)s
//! and its events.

mod cluster;
mod clusters;
mod command;
mod relay;
pub mod slurm;

pub use cluster::{
    ClusterExecutor, ClusterExit, ClusterHandle, ClusterJob, ClusterOutcome, ClusterStatus,
    Reporter,
};
pub use clusters::{Cluster, ClusterError, Clusters};
pub use command::ClusterCommand;
