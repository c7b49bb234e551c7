//! The engine: a pool of worker threads that runs [`Job`]s and reports what
//! they do as [`Event`]s. It knows nothing of any window.
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

mod cell;
mod context;
mod error;
mod event;
mod id;
mod job;
mod log_line;
mod new_job;
mod pool;
mod queue;
mod scheduler;
mod worker;

pub use cell::{PENDING_LOG_LINES, PENDING_SAMPLES_PER_SERIES, Wake};
pub use context::JobContext;
pub use error::{EngineError, MAX_THREADS_RANGE};
pub use event::{Event, EventKind, EventReceiver, Outcome, OutcomeKind};
pub use id::{IdHasher, JobId, JobIdMap, JobIdSet};
pub use job::{Job, JobError, JobResult, Output};
pub use log_line::{LogLine, Stream};
pub use new_job::NewJob;
pub use pool::Pool;
pub use scheduler::{JobState, PoolCounts};
