//! The cluster backends a session uses, started when a job first needs one.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError, Weak};

use super::ClusterExecutor;
use super::slurm::{ClusterInfo, DriverOptions, Slurm, SlurmError, SlurmSettings};

/// A cluster and how to use it: where a remote command job goes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Cluster {
    /// A Slurm cluster, reached through its command line from this machine,
    /// with a job file's `[slurm]` settings.
    Slurm(Arc<SlurmSettings>),
}

impl Cluster {
    /// The backend's name for people: `Slurm`.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::Slurm(_) => "Slurm",
        }
    }
}

/// Why a cluster job could not be handed to its backend.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The backend could not start.
    #[error(transparent)]
    Slurm(#[from] SlurmError),
    /// The [`Clusters`] the job was built with are gone: the session that
    /// owned them was dropped.
    #[error("jobdeck is shutting down: the cluster executors are gone")]
    Gone,
}

/// The backends of one session (a window, a `jobdeck run`): one per
/// distinct [`Cluster`] (one Slurm driver, with its two threads, per set of
/// `[slurm]` settings), started when a job first needs it and kept for the
/// session's life, so that every job of the session shares its polling.
///
/// Cloning is cheap and shares the backends. Jobs hold them weakly (see
/// [`ClusterCommand`](super::ClusterCommand)), so a backend is dropped with
/// the session that owns it, never on one of its own threads.
#[derive(Clone, Default)]
pub struct Clusters {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    options: DriverOptions,
    started: Mutex<HashMap<Cluster, Backend>>,
}

/// A backend and whether it was handed in rather than started here.
struct Backend {
    executor: Arc<dyn ClusterExecutor>,
    given: bool,
}

/// A job's weak hold on its session's [`Clusters`].
#[derive(Clone)]
pub(crate) struct WeakClusters(Weak<Inner>);

impl Clusters {
    /// Backends whose Slurm drivers use `options` (the defaults suit a
    /// real cluster; tests poll faster).
    #[must_use]
    pub fn new(options: DriverOptions) -> Self {
        Self {
            inner: Arc::new(Inner {
                options,
                started: Mutex::default(),
            }),
        }
    }

    /// Runs the jobs for `cluster` on `executor` instead of a backend
    /// started here (a fake one in tests, or one the caller set up).
    #[must_use]
    pub fn with_executor(self, cluster: Cluster, executor: Arc<dyn ClusterExecutor>) -> Self {
        self.inner.lock().insert(
            cluster,
            Backend {
                executor,
                given: true,
            },
        );
        self
    }

    /// The backend for `cluster`, started now if it is the first job's.
    pub fn executor(&self, cluster: &Cluster) -> Result<Arc<dyn ClusterExecutor>, ClusterError> {
        let mut started = self.inner.lock();
        if let Some(backend) = started.get(cluster) {
            return Ok(Arc::clone(&backend.executor));
        }
        let executor: Arc<dyn ClusterExecutor> = match cluster {
            Cluster::Slurm(settings) => Arc::new(Slurm::start(
                SlurmSettings::clone(settings),
                self.inner.options.clone(),
            )?),
        };
        started.insert(
            cluster.clone(),
            Backend {
                executor: Arc::clone(&executor),
                given: false,
            },
        );
        Ok(executor)
    }

    /// Whether jobs can be sent to `cluster` from this machine (for Slurm:
    /// its commands on PATH, `sinfo` answering, the partition known);
    /// asked before a job file starts. Blocks for up to the drivers'
    /// command timeout when the cluster does not answer. A backend handed
    /// in with [`with_executor`](Self::with_executor) needs no check.
    pub fn check(&self, cluster: &Cluster) -> Result<Option<ClusterInfo>, SlurmError> {
        if self.is_given(cluster) {
            return Ok(None);
        }
        match cluster {
            Cluster::Slurm(settings) => Slurm::check_setup(settings, &self.inner.options).map(Some),
        }
    }

    /// The part of [`check`](Self::check) that needs no answer from the
    /// cluster (for Slurm: its commands on PATH), so it never blocks: what
    /// the window asks.
    pub fn check_commands(&self, cluster: &Cluster) -> Result<(), SlurmError> {
        if self.is_given(cluster) {
            return Ok(());
        }
        match cluster {
            Cluster::Slurm(_) => Slurm::check_commands(&self.inner.options),
        }
    }

    fn is_given(&self, cluster: &Cluster) -> bool {
        self.inner
            .lock()
            .get(cluster)
            .is_some_and(|backend| backend.given)
    }

    /// Cancels every job the started backends have on their clusters, at
    /// once and from this thread (see
    /// [`ClusterExecutor::cancel_all_now`]); returns how many, and what
    /// went wrong with any backend.
    pub fn cancel_all_now(&self) -> (usize, Vec<String>) {
        let executors: Vec<(Cluster, Arc<dyn ClusterExecutor>)> = self
            .inner
            .lock()
            .iter()
            .map(|(cluster, backend)| (cluster.clone(), Arc::clone(&backend.executor)))
            .collect();
        let mut cancelled = 0;
        let mut errors = Vec::new();
        for (cluster, executor) in executors {
            match executor.cancel_all_now() {
                Ok(count) => cancelled += count,
                Err(error) => errors.push(format!("{}: {error}", cluster.name())),
            }
        }
        (cancelled, errors)
    }

    pub(crate) fn downgrade(&self) -> WeakClusters {
        WeakClusters(Arc::downgrade(&self.inner))
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Cluster, Backend>> {
        // Inserting is one call: a panic elsewhere leaves the map usable.
        self.started.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl WeakClusters {
    /// The backend for `cluster`, while the session that owns them lives.
    pub(crate) fn executor(
        &self,
        cluster: &Cluster,
    ) -> Result<Arc<dyn ClusterExecutor>, ClusterError> {
        let inner = self.0.upgrade().ok_or(ClusterError::Gone)?;
        Clusters { inner }.executor(cluster)
    }
}

/// Two handles are equal when they share their backends.
impl PartialEq for Clusters {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl fmt::Debug for Clusters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let started: Vec<Cluster> = self.inner.lock().keys().cloned().collect();
        f.debug_struct("Clusters")
            .field("options", &self.inner.options)
            .field("started", &started)
            .finish()
    }
}
