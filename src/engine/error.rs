//! What the pool refuses, and why.

use super::JobId;

/// The smallest and largest pool sizes accepted.
pub const MAX_THREADS_RANGE: std::ops::RangeInclusive<usize> = 1..=1024;

/// A request the pool refused. Nothing changed when one is returned.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// Max threads outside [`MAX_THREADS_RANGE`].
    #[error("max threads must be between 1 and 1024, got {0}")]
    InvalidMaxThreads(usize),
    /// A dependency names a job the pool has never seen.
    #[error("job {job} depends on {dependency}, which is not a known job")]
    UnknownDependency {
        /// The job that names it.
        job: JobId,
        /// The missing one.
        dependency: JobId,
    },
    /// Jobs in a batch depend on each other in a circle.
    #[error("jobs depend on each other in a cycle: {}", list(.0))]
    DependencyCycle(Vec<JobId>),
    /// Two jobs with the same id.
    #[error("job id {0} is already in use")]
    DuplicateId(JobId),
    /// The operating system would not start one of the pool's threads.
    #[error("could not start the pool's {thread} thread: {reason}")]
    NoThread {
        /// Which thread ("timer").
        thread: &'static str,
        /// What the operating system said.
        reason: String,
    },
}

fn list(ids: &[JobId]) -> String {
    ids.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
