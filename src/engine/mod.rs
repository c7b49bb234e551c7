//! The engine: a pool of worker threads that runs [`Job`]s, and remote jobs
//! that run elsewhere, and reports what they do as [`Event`]s. It knows
//! nothing of any window.
//!
//! ```
//! use jobdeck::engine::{EventKind, NewJob, Output, Pool};
//!
//! let (pool, mut events) = Pool::new(2).unwrap();
//! let id = pool
//!     .submit(NewJob::new(|ctx: &jobdeck::engine::JobContext| {
//!         for step in 1..=10 {
//!             ctx.checkpoint()?;
//!             ctx.progress(step as f32 / 10.0);
//!         }
//!         Ok(Output::text("done"))
//!     }))
//!     .unwrap();
//! let finished = events.find(|e| e.job == id && e.kind.is_terminal()).unwrap();
//! assert!(matches!(finished.kind, EventKind::Finished(jobdeck::engine::Outcome::Succeeded(_))));
//! ```
//!
//! # Remote jobs
//!
//! A job that runs elsewhere (on a cluster, through its scheduler) is a
//! [`RemoteJob`], submitted with [`NewJob::remote`]. It holds no worker
//! thread while in flight, so a thousand of them queued on a cluster cost a
//! thousand small records, not a thousand threads; worker threads start only
//! for local jobs. Otherwise it is a job like any other: it counts against
//! `max_threads` while in flight (the cap is on jobs, not threads), takes
//! part in priorities and dependencies (with local jobs too), and is
//! stopped, cancelled, timed out, retried and shut down the same way, with
//! the same events.
//!
//! - **Start.** When the job's turn comes, the pool sends its `Started`
//!   event (with `worker: None`) and calls [`RemoteJob::start`] with a
//!   [`RemoteHandle`], from the thread that dispatched it and with no lock
//!   held. `start` returns at once; a retry calls it again.
//! - **Reports.** Through the handle, from any thread: progress, samples and
//!   log lines, coalesced and bounded as a local job's; where the run is
//!   ([`RemoteHandle::place`]: the cluster's id for it and its state there),
//!   coalesced to the newest; finally [`RemoteHandle::finish`] with the
//!   result (dropping the handle instead fails the attempt).
//! - **Timeouts.** The pool's own timeout counts from the start, which for
//!   a remote job includes time spent waiting in the cluster's queue. An
//!   executor that counts only running time enforces the limit itself and
//!   ends the attempt with [`RemoteHandle::finish_timed_out`], which the
//!   pool treats as its own timeout (retried while retries are left).
//! - **Stop.** A stop, a timeout or the pool shutting down sets the
//!   handle's stop flag, which an executor may poll
//!   ([`RemoteHandle::should_stop`]), and calls the callback it registered
//!   with [`RemoteHandle::on_stop`] once, with no lock held. The attempt
//!   stays in flight until the executor reports how it ended.
//! - **Pause.** Only for jobs whose [`RemoteJob::can_pause`] says so;
//!   otherwise [`Pool::set_job_paused`] refuses them.
//! - **Shutdown** waits for remote attempts in flight to report, as it waits
//!   for local jobs to notice their stop flag.
//!
//! # Memory
//!
//! What jobs report and the consumer has not read yet is bounded: see
//! [`PENDING_LOG_BYTES_PER_JOB`], [`PENDING_LOG_BYTES_PER_PROCESS`],
//! [`MAX_SERIES_PER_JOB`] and [`PENDING_SAMPLES_PER_SERIES`].

mod cell;
mod context;
mod error;
mod event;
mod express;
mod hub;
mod id;
mod job;
mod log_line;
mod new_job;
mod pending;
mod placement;
mod pool;
mod queue;
mod remote;
mod scheduler;
mod shared;
mod timer;
mod worker;
mod worker_threads;

pub use context::JobContext;
pub use error::{EngineError, MAX_THREADS_RANGE};
pub use event::{Event, EventKind, EventReceiver, Outcome, OutcomeKind, ProcessInfo};
pub use hub::{Wake, Waker};
pub use id::{IdHasher, JobId, JobIdMap, JobIdSet};
pub use job::{Job, JobError, JobResult, Output};
pub use log_line::{CUT_NOTE, LineStatus, LogLine, Stream};
pub use new_job::NewJob;
pub use pending::{
    MAX_SERIES_PER_JOB, PENDING_LOG_BYTES_PER_JOB, PENDING_LOG_BYTES_PER_PROCESS,
    PENDING_SAMPLES_PER_SERIES,
};
pub use placement::Placement;
pub use pool::Pool;
pub use remote::{RemoteHandle, RemoteJob};
pub use scheduler::{JobState, PoolCounts, WindDown};
