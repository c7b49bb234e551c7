//! The in-flight cap: never more jobs on the cluster than it allows.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use jobdeck::executor::slurm::DriverOptions;
use jobdeck::executor::{RemoteOutcome, RemoteStatus, Reporter};

use crate::common::wait_until;
use crate::support::{CLUSTER_PATIENCE, driver, live_jobs_named, options, sh, unique_name};

/// Counts jobs between their `Submitted` and their `finished`, keeping the
/// peak, and the outcomes.
#[derive(Default)]
struct Gauge {
    in_flight: AtomicUsize,
    peak: AtomicUsize,
    outcomes: Mutex<Vec<RemoteOutcome>>,
}

impl Reporter for Gauge {
    fn status(&self, status: RemoteStatus) {
        if let RemoteStatus::Submitted { .. } = status {
            let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            self.peak.fetch_max(now, Ordering::SeqCst);
        }
    }
    fn line(&self, _: String) {}
    fn notice(&self, _: String) {}
    fn finished(&self, outcome: RemoteOutcome) {
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        self.outcomes.lock().unwrap().push(outcome);
    }
}

#[test]
fn fifty_jobs_with_a_cap_of_four_never_have_more_than_four_in_flight() {
    let options = DriverOptions {
        max_in_flight: NonZeroUsize::new(4),
        ..options()
    };
    let Some((slurm, _out)) = driver(options) else {
        return;
    };
    let name = unique_name("capped");
    let gauge = Arc::new(Gauge::default());

    // The cluster's own view, sampled while the jobs run.
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (name, done) = (name.clone(), Arc::clone(&done));
        std::thread::Builder::new()
            .name("test-squeue-sampler".into())
            .spawn(move || {
                let mut peak = 0;
                while !done.load(Ordering::SeqCst) {
                    peak = peak.max(live_jobs_named(&name).len());
                }
                peak
            })
            .unwrap()
    };

    for _ in 0..50 {
        slurm.submit(sh(&name, "sleep 0.3"), gauge.clone());
    }
    wait_until("all 50 jobs to end", CLUSTER_PATIENCE * 3, || {
        gauge.outcomes.lock().unwrap().len() == 50
    });
    done.store(true, Ordering::SeqCst);
    let cluster_peak = sampler.join().unwrap();

    let outcomes = gauge.outcomes.lock().unwrap();
    assert!(
        outcomes
            .iter()
            .all(|outcome| matches!(outcome, RemoteOutcome::Succeeded { .. })),
        "{outcomes:?}"
    );
    assert_eq!(
        gauge.peak.load(Ordering::SeqCst),
        4,
        "the cap is reached and never passed"
    );
    assert!(
        (1..=4).contains(&cluster_peak),
        "squeue saw {cluster_peak} of the jobs at once"
    );
    assert_eq!(slurm.in_flight(), 0);
}
