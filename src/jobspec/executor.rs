//! Where a command job runs: here, or on a cluster.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::executor::Cluster;
use crate::executor::slurm::SlurmSettings;

/// Where a command job runs. In a spec's JSON, `"executor": "slurm"` and,
/// unless they are all defaults, the settings as `"slurm": {...}` (a job
/// file's `[slurm]` table); nothing at all for a local job, so specs
/// written before there was a choice keep their meaning.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ExecutorRepr", into = "ExecutorRepr")]
pub enum Executor {
    /// A process group on this machine, watched by a worker thread.
    #[default]
    Local,
    /// A batch job on a Slurm cluster, submitted with these settings
    /// (shared by the jobs of a file).
    Slurm(Arc<SlurmSettings>),
}

/// An executor's name, as job files and the command line write it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum ExecutorKind {
    /// See [`Executor::Local`].
    Local,
    /// See [`Executor::Slurm`].
    Slurm,
}

impl ExecutorKind {
    /// Every kind, in the order messages list them.
    pub const ALL: [Self; 2] = [Self::Local, Self::Slurm];

    /// The name job files use: `local`, `slurm`.
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::Slurm => "slurm",
        }
    }

    /// The kind named `key`, if any.
    #[must_use]
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.key() == key)
    }
}

impl Executor {
    /// The executor's name.
    #[must_use]
    pub fn kind(&self) -> ExecutorKind {
        match self {
            Self::Local => ExecutorKind::Local,
            Self::Slurm(_) => ExecutorKind::Slurm,
        }
    }

    /// The cluster it sends jobs to; `None` for a local job.
    #[must_use]
    pub fn cluster(&self) -> Option<Cluster> {
        match self {
            Self::Local => None,
            Self::Slurm(settings) => Some(Cluster::Slurm(Arc::clone(settings))),
        }
    }
}

/// [`Executor`] as serde sees it: two flat keys.
#[derive(Default, Serialize, Deserialize)]
struct ExecutorRepr {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    executor: Option<ExecutorKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    slurm: Option<Arc<SlurmSettings>>,
}

impl TryFrom<ExecutorRepr> for Executor {
    type Error = String;

    fn try_from(repr: ExecutorRepr) -> Result<Self, String> {
        match (repr.executor.unwrap_or(ExecutorKind::Local), repr.slurm) {
            (ExecutorKind::Local, None) => Ok(Self::Local),
            (ExecutorKind::Local, Some(_)) => Err(
                "`slurm` settings are given for a job that runs locally; add \"executor\": \"slurm\""
                    .to_owned(),
            ),
            (ExecutorKind::Slurm, settings) => Ok(Self::Slurm(settings.unwrap_or_default())),
        }
    }
}

impl From<Executor> for ExecutorRepr {
    fn from(executor: Executor) -> Self {
        match executor {
            Executor::Local => Self::default(),
            Executor::Slurm(settings) => Self {
                executor: Some(ExecutorKind::Slurm),
                slurm: (*settings != SlurmSettings::default()).then_some(settings),
            },
        }
    }
}
