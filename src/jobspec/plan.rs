//! Specs with their ids and dependencies resolved: what a session submits.

use std::sync::Arc;

use super::{BuildContext, JobSpec};
use crate::engine::{JobId, NewJob, Output};

/// Jobs ready to submit together: each spec with its id and the ids it
/// waits for (jobs of the plan, jobs already submitted, or barriers of the
/// plan).
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// The jobs, in the order they are shown and submitted.
    pub jobs: Vec<PlannedJob>,
    /// Stand-ins for whole batches in the jobs' `after`; see [`Barrier`].
    pub barriers: Vec<Barrier>,
}

/// One job of a [`Plan`].
#[derive(Clone, Debug)]
pub struct PlannedJob {
    /// The id it gets in the pool.
    pub id: JobId,
    /// What it is.
    pub spec: Arc<JobSpec>,
    /// The ids it waits for: the spec's `after`, resolved.
    pub after: Vec<JobId>,
    /// For a cluster job: the cluster's id of a run of it already in flight
    /// (as a journal recorded it before jobdeck restarted), which its first
    /// attempt follows instead of submitting anew. `None` for a fresh job;
    /// ignored for local ones.
    pub remote_id: Option<String>,
}

impl PlannedJob {
    /// Job `id` running `spec` after `after`, submitted afresh.
    #[must_use]
    pub fn new(id: JobId, spec: Arc<JobSpec>, after: Vec<JobId>) -> Self {
        Self {
            id,
            spec,
            after,
            remote_id: None,
        }
    }
}

/// One node that stands for a whole batch in dependencies: a no-op engine
/// job that waits for every member, so that N jobs after a batch of M wait
/// for one barrier — N + M edges rather than N × M. Barriers are the
/// session's business: their events are never shown, and a job skipped
/// because of one is reported as skipped because of the member that did not
/// succeed.
#[derive(Clone, Debug)]
pub struct Barrier {
    /// Its id in the pool.
    pub id: JobId,
    /// The batch's jobs.
    pub members: Vec<JobId>,
}

impl Plan {
    /// A plan of one job that waits for `after`.
    #[must_use]
    pub fn single(spec: Arc<JobSpec>, after: Vec<JobId>) -> Self {
        Self {
            jobs: vec![PlannedJob::new(JobId::new(), spec, after)],
            barriers: Vec::new(),
        }
    }

    /// The engine jobs, barriers first (so a barrier is known to the pool
    /// before the jobs that wait for it, should the pool ever take them one
    /// at a time).
    #[must_use]
    pub fn build(&self, context: &BuildContext) -> Vec<NewJob> {
        let barriers = self.barriers.iter().map(Barrier::build);
        let jobs = self.jobs.iter().map(|planned| {
            planned
                .spec
                .build_attached(planned.id, context, planned.remote_id.as_deref())
                .after(planned.after.iter().copied())
        });
        barriers.chain(jobs).collect()
    }
}

impl Plan {
    /// The clusters its jobs run on, each once, in the order jobs name
    /// them: what must be reachable before the plan starts.
    #[must_use]
    pub fn clusters(&self) -> Vec<crate::executor::Cluster> {
        let mut clusters: Vec<crate::executor::Cluster> = Vec::new();
        for planned in &self.jobs {
            if let super::JobKind::Command(command) = &planned.spec.kind
                && let Some(cluster) = command.executor.cluster()
                && !clusters.contains(&cluster)
            {
                clusters.push(cluster);
            }
        }
        clusters
    }
}

impl Barrier {
    /// The no-op engine job. Its priority is the highest, so it is released
    /// the moment its batch has succeeded, not after the queue ahead of it.
    #[must_use]
    pub fn build(&self) -> NewJob {
        NewJob::new(|_: &crate::engine::JobContext| Ok(Output::default()))
            .with_id(self.id)
            .priority(i32::MAX)
            .after(self.members.iter().copied())
    }
}
