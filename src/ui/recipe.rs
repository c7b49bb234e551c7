//! What Start job starts: a demo job or a command, with its parameters.

use std::time::Duration;

use std::path::PathBuf;

use crate::engine::{JobId, NewJob};
use crate::jobs::{CommandJob, DemoJob};

/// A job the window can start (and start again for Retry).
#[derive(Clone, Debug)]
pub enum JobRecipe {
    /// A built-in demo job.
    Demo(DemoJob),
    /// An external program.
    Command(CommandJob),
}

impl JobRecipe {
    /// The kind's key, as job files and the table name it.
    #[must_use]
    pub fn kind_key(&self) -> &'static str {
        match self {
            Self::Demo(job) => job.kind().key(),
            Self::Command(_) => "command",
        }
    }

    /// A name for a person: the kind's label, or the command line.
    #[must_use]
    pub fn base_name(&self) -> String {
        match self {
            Self::Demo(job) => job.kind().label().to_owned(),
            Self::Command(job) => {
                let line = job.command_line();
                match line.char_indices().nth(40) {
                    Some((cut, _)) => format!("{}...", &line[..cut]),
                    None => line,
                }
            }
        }
    }

    /// Where a command job with id `id` writes its full log.
    #[must_use]
    pub fn full_log(&self, id: JobId) -> Option<PathBuf> {
        match self {
            Self::Demo(_) => None,
            Self::Command(job) => Some(job.log_path(id)),
        }
    }

    /// The same recipe, with a command's full log under `dir` (see
    /// [`CommandJob::log_dir`]).
    #[must_use]
    pub fn with_log_dir(self, dir: PathBuf) -> Self {
        match self {
            Self::Demo(_) => self,
            Self::Command(job) => Self::Command(job.log_dir(dir)),
        }
    }

    /// The engine job, with `grace` between SIGTERM and SIGKILL for commands.
    #[must_use]
    pub fn new_job(&self, grace: Duration) -> NewJob {
        match self {
            Self::Demo(job) => NewJob::new(job.clone()),
            Self::Command(job) => NewJob::new(job.clone().grace(grace)),
        }
    }
}
