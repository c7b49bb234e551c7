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

pub use args::{CheckArgs, Cli, Command, HistoryArgs, RunArgs};
pub use history::{HistoryCommandError, history};
pub use run::{RunError, run};
pub use summary::{RunSummary, seconds};

use crate::executor::Clusters;
use crate::jobfile::{self, JobFile, LoadOptions};

/// Validates a job file without running anything, and checks that the
/// clusters its jobs run on can be reached from here; returns how many jobs
/// it plans (after batch expansion).
pub fn check(args: &CheckArgs) -> Result<usize, RunError> {
    let file = jobfile::load_with(
        &args.file,
        LoadOptions {
            executor: args.executor,
        },
    )?;
    check_clusters(&file, &Clusters::default())?;
    Ok(file.plan.jobs.len())
}

/// Refuses a file whose jobs run on a cluster this machine cannot use (for
/// Slurm: `sbatch` not on PATH, `sinfo` failing, an unknown partition).
fn check_clusters(file: &JobFile, clusters: &Clusters) -> Result<(), RunError> {
    for cluster in file.plan.clusters() {
        if let Err(error) = clusters.check(&cluster) {
            return Err(RunError::Cluster {
                file: file.path.display().to_string(),
                cluster: cluster.name(),
                error,
            });
        }
    }
    Ok(())
}
