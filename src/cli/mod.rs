//! The headless runner behind `jobdeck run` and `jobdeck check`: human output
//! (a progress bar and a line per finished job) or JSON lines.

mod args;
mod history;
mod human;
mod in_order;
mod interrupt;
mod joblog;
mod json;
mod run;
mod summary;

use std::path::Path;

pub use args::{Cli, Command, HistoryArgs, RunArgs};
pub use history::{HistoryCommandError, history};
pub use run::{RunError, run};
pub use summary::{RunSummary, seconds};

use crate::jobfile::{self, JobFileError};

/// Validates a job file without running anything; returns how many jobs it
/// plans (after batch expansion).
pub fn check(file: &Path) -> Result<usize, JobFileError> {
    jobfile::load(file).map(|file| file.plan.jobs.len())
}
