//! Executors that run a command job somewhere other than this machine.
//!
//! A local command job is a process group that a worker thread watches. A
//! remote job is different: a cluster scheduler runs it, maybe hours after it
//! was submitted, and jobdeck only submits it, follows it and stops it. So a
//! remote executor holds no thread per job: [`RemoteExecutor::submit`] hands a
//! plain description of the job ([`RemoteJob`]) and a [`Reporter`] to the
//! executor and returns at once with a [`RemoteHandle`] to stop it; the
//! executor's own few threads report what happens through the reporter.
//!
//! What a backend promises, whatever the cluster:
//! - `submit` never blocks on the cluster and never calls the reporter;
//! - the reporter is called on the executor's threads only (and, for jobs
//!   still open when the executor is dropped, on the dropping thread), one
//!   call at a time per job, in order: statuses, output lines and notices,
//!   then exactly one [`Reporter::finished`], and nothing after it;
//! - the reporter is never called while the executor holds a lock that
//!   [`RemoteHandle::stop`] takes, so a reporter may call `stop`.
//!
//! [`slurm`] is the first backend; another (Ray's job API, say) would
//! implement [`RemoteExecutor`] beside it with the same types.

mod remote;
pub mod slurm;

pub use remote::{
    Program, RemoteExecutor, RemoteExit, RemoteHandle, RemoteJob, RemoteOutcome, RemoteStatus,
    Reporter,
};
