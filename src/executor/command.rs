//! A command job that a cluster runs: the engine's [`RemoteJob`] for it.

use std::sync::{Arc, Mutex, PoisonError};

use super::clusters::{Cluster, WeakClusters};
use super::relay::Relay;
use super::{ClusterJob, Clusters};
use crate::engine::{JobError, RemoteHandle, RemoteJob};
use crate::jobs::ProgressFormat;
use crate::jobs::output::OutputParser;

/// A command job for a cluster: each attempt (each retry too) is submitted
/// afresh to the cluster's backend, and reported through a relay (see
/// `relay.rs`) so that it shows as a local command does. It holds no
/// thread: the backend's few threads follow every job.
///
/// Who does what, between the engine and the backend:
/// - **The in-flight cap** is the engine's `max_threads`: a remote job
///   counts against it from its start until its end is reported, so a job
///   file's `max_threads = 4` means at most 4 of its jobs submitted and not
///   yet ended on the cluster (the backend's own cap is left off).
/// - **Dependencies, priorities and retries** are the engine's: a job is
///   submitted only once the jobs it waits for succeeded, in priority
///   order, and a retry submits again.
/// - **The timeout** is the backend's ([`ClusterJob::timeout`]), counted
///   from when the cluster runs the job, so time waiting in the cluster's
///   queue does not count; the engine is given none for these jobs.
/// - **Stop** (a person's, Ctrl-C, a shutdown) reaches the backend through
///   the engine's stop callback: SIGTERM, then the kill after the grace.
/// - **Pause** is refused ([`RemoteJob::can_pause`] is false): a cluster
///   suspends jobs for its administrators, not for their owners.
pub struct ClusterCommand {
    clusters: WeakClusters,
    cluster: Cluster,
    job: ClusterJob,
    /// How each attempt's output shows progress (each attempt reads it
    /// afresh).
    progress: ProgressFormat,
    /// A run of this job the cluster has already (from before jobdeck
    /// restarted): the first attempt follows it instead of submitting.
    attach_to: Mutex<Option<String>>,
}

impl ClusterCommand {
    /// `job`, to run on `cluster` through the backends of `clusters`, the
    /// progress read from its output as `progress` says.
    #[must_use]
    pub fn new(
        clusters: &Clusters,
        cluster: Cluster,
        job: ClusterJob,
        progress: ProgressFormat,
    ) -> Self {
        Self {
            clusters: clusters.downgrade(),
            cluster,
            job,
            progress,
            attach_to: Mutex::new(None),
        }
    }

    /// Makes the first attempt follow the cluster's run `remote_id` (as a
    /// journal recorded it before jobdeck restarted) rather than submit a
    /// new one; retries submit as usual.
    #[must_use]
    pub fn attached_to(self, remote_id: String) -> Self {
        *self
            .attach_to
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(remote_id);
        self
    }

    /// What is sent to the cluster.
    #[must_use]
    pub fn job(&self) -> &ClusterJob {
        &self.job
    }
}

impl RemoteJob for ClusterCommand {
    fn start(&self, handle: RemoteHandle) {
        let executor = match self.clusters.executor(&self.cluster) {
            Ok(executor) => executor,
            Err(error) => {
                handle.finish(Err(JobError::msg(format!(
                    "cannot run it on {}: {error}",
                    self.cluster.name()
                ))));
                return;
            }
        };
        let attach_to = self
            .attach_to
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(id) = &attach_to {
            handle.log(format!(
                "jobdeck: following {} job {id} again (submitted before jobdeck restarted)",
                self.cluster.name()
            ));
        }
        let relay = Arc::new(Relay::new(
            handle,
            OutputParser::new(&self.progress),
            self.cluster.name(),
        ));
        // The relay owns the engine handle from here on; the stop callback
        // needs the backend's handle, which exists only after the hand-over.
        let stopper = Arc::clone(&relay);
        let cluster_handle = match attach_to {
            Some(id) => match executor.attach(&id, self.job.clone(), relay) {
                Ok(cluster_handle) => cluster_handle,
                Err(error) => {
                    stopper.fail(format!(
                        "cannot follow {} job {id}: {error}",
                        self.cluster.name()
                    ));
                    return;
                }
            },
            None => executor.submit(self.job.clone(), relay),
        };
        stopper.on_stop(move || {
            cluster_handle.stop();
        });
    }
}
