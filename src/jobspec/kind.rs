//! What a job runs: a demo kind with its parameters, or a command.

use serde::{Deserialize, Serialize};

use super::CommandSpec;
use crate::jobs::{DemoJob, FlakyDivision, RandomWalk, Steps, SumRange};

/// The work of a job. In JSON it is flattened into its
/// [`JobSpec`](super::JobSpec) and tagged by `kind`, as in job files:
/// `"kind": "steps"`, `"random_walk"`, `"flaky_division"`, `"sum_range"` or
/// `"command"`, with the kind's own keys beside it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(from = "KindRepr", into = "KindRepr")]
pub enum JobKind {
    /// A built-in demo job.
    Demo(DemoJob),
    /// An external program.
    Command(CommandSpec),
}

impl JobKind {
    /// The kind's key, as job files and JSON name it: `"command"`, or a demo
    /// kind's key such as `"random_walk"`.
    #[must_use]
    pub fn key(&self) -> &'static str {
        match self {
            Self::Demo(demo) => demo.kind().key(),
            Self::Command(_) => "command",
        }
    }

    /// The kind's name for people: "Command", or a demo kind's label such as
    /// "Random walk".
    #[must_use]
    pub fn label(&self) -> &'static str {
        match self {
            Self::Demo(demo) => demo.kind().label(),
            Self::Command(_) => "Command",
        }
    }

    /// Whether `other` is the same kind (parameters aside).
    #[must_use]
    pub fn same_kind(&self, other: &Self) -> bool {
        self.key() == other.key()
    }

    /// What the job does in one line: the command line, or the demo kind and
    /// its parameters.
    #[must_use]
    pub fn summary(&self) -> String {
        match self {
            Self::Command(command) => command.command_line(),
            Self::Demo(DemoJob::Steps(job)) => {
                format!("steps: {} steps of {} ms", job.steps, job.delay_ms)
            }
            Self::Demo(DemoJob::RandomWalk(job)) => format!(
                "random_walk: {} points at {}..{} points/s",
                job.points, job.min_rate_hz, job.max_rate_hz
            ),
            Self::Demo(DemoJob::FlakyDivision(job)) => format!(
                "flaky_division: {}..{} steps of {} ms",
                job.min_steps, job.max_steps, job.delay_ms
            ),
            Self::Demo(DemoJob::SumRange(job)) => {
                format!("sum_range: 0..{} in {} chunks", job.end, job.chunks)
            }
        }
    }
}

/// [`JobKind`] as serde sees it: one level, tagged by `kind`.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum KindRepr {
    Steps(Steps),
    RandomWalk(RandomWalk),
    FlakyDivision(FlakyDivision),
    SumRange(SumRange),
    Command(CommandSpec),
}

impl From<KindRepr> for JobKind {
    fn from(repr: KindRepr) -> Self {
        match repr {
            KindRepr::Steps(job) => Self::Demo(DemoJob::Steps(job)),
            KindRepr::RandomWalk(job) => Self::Demo(DemoJob::RandomWalk(job)),
            KindRepr::FlakyDivision(job) => Self::Demo(DemoJob::FlakyDivision(job)),
            KindRepr::SumRange(job) => Self::Demo(DemoJob::SumRange(job)),
            KindRepr::Command(command) => Self::Command(command),
        }
    }
}

impl From<JobKind> for KindRepr {
    fn from(kind: JobKind) -> Self {
        match kind {
            JobKind::Demo(DemoJob::Steps(job)) => Self::Steps(job),
            JobKind::Demo(DemoJob::RandomWalk(job)) => Self::RandomWalk(job),
            JobKind::Demo(DemoJob::FlakyDivision(job)) => Self::FlakyDivision(job),
            JobKind::Demo(DemoJob::SumRange(job)) => Self::SumRange(job),
            JobKind::Command(command) => Self::Command(command),
        }
    }
}
