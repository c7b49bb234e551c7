//! A cluster backend that only records what it is handed: the test plays
//! its threads, calling each job's reporter by hand.

#![allow(dead_code)] // Each test binary uses its own subset.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use jobdeck::executor::{ClusterExecutor, ClusterHandle, ClusterJob, Reporter};

use crate::common::{PATIENCE, wait_for};

/// One job handed to the fake backend.
#[derive(Clone)]
pub struct Run {
    pub job: ClusterJob,
    pub reporter: Arc<dyn Reporter>,
    pub stops: Arc<AtomicUsize>,
    /// The cluster id it was attached to, for a run followed again.
    pub attached_to: Option<String>,
}

/// A cluster backend that only records: the test plays its threads.
#[derive(Default)]
pub struct FakeCluster {
    runs: Mutex<Vec<Run>>,
}

struct FakeHandle(Arc<AtomicUsize>);

impl ClusterHandle for FakeHandle {
    fn stop(&self) -> bool {
        self.0.fetch_add(1, Ordering::SeqCst) == 0
    }
}

impl FakeCluster {
    fn add(
        &self,
        job: ClusterJob,
        reporter: Arc<dyn Reporter>,
        attached_to: Option<String>,
    ) -> Box<dyn ClusterHandle> {
        let stops = Arc::new(AtomicUsize::new(0));
        self.runs.lock().unwrap().push(Run {
            job,
            reporter,
            stops: Arc::clone(&stops),
            attached_to,
        });
        Box::new(FakeHandle(stops))
    }

    pub fn runs(&self) -> Vec<Run> {
        self.runs.lock().unwrap().clone()
    }

    /// Waits for run number `index` (0-based) to be handed over.
    pub fn run(&self, index: usize) -> Run {
        wait_for(&format!("run {index} to be submitted"), PATIENCE, || {
            self.runs().get(index).cloned()
        })
    }
}

impl ClusterExecutor for FakeCluster {
    fn submit(&self, job: ClusterJob, reporter: Arc<dyn Reporter>) -> Box<dyn ClusterHandle> {
        self.add(job, reporter, None)
    }

    fn attach(
        &self,
        remote_id: &str,
        job: ClusterJob,
        reporter: Arc<dyn Reporter>,
    ) -> Result<Box<dyn ClusterHandle>, String> {
        Ok(self.add(job, reporter, Some(remote_id.to_owned())))
    }

    fn cancel_all_now(&self) -> Result<usize, String> {
        Ok(0)
    }
}
