//! The Slurm driver holds a fixed number of threads however many jobs are
//! queued on the cluster. Alone in its test binary, so that the process's
//! thread count is the driver's and the harness's only.

mod common;

#[path = "slurm/support.rs"]
mod support;

use std::sync::Arc;
use std::time::Duration;

use jobdeck::executor::slurm::SlurmSettings;
use jobdeck::executor::{RemoteOutcome, RemoteStatus};

use common::wait_until;
use support::{Recorder, driver_with, options, sh};

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

#[test]
fn a_hundred_jobs_queued_on_the_cluster_take_two_threads() {
    let before = threads();
    // `--begin` keeps every job pending on the cluster for ten minutes.
    let settings = SlurmSettings {
        extra_args: vec!["--begin=now+600".into()],
        ..SlurmSettings::default()
    };
    let Some((slurm, _out)) = driver_with(settings, options()) else {
        return;
    };
    let recorders: Vec<Arc<Recorder>> = (0..100).map(|_| Recorder::new()).collect();
    let handles: Vec<_> = recorders
        .iter()
        .enumerate()
        .map(|(i, recorder)| slurm.submit(sh(&format!("queued-{i}"), "true"), recorder.clone()))
        .collect();
    wait_until(
        "all 100 jobs to pend on the cluster",
        Duration::from_secs(120),
        || {
            recorders.iter().all(|recorder| {
                recorder
                    .status_at(|status| matches!(status, RemoteStatus::Pending { .. }))
                    .is_some()
            })
        },
    );
    assert_eq!(slurm.in_flight(), 100);
    assert_eq!(threads(), before + 2, "the submit and poll threads only");

    for handle in &handles {
        handle.stop();
    }
    for recorder in &recorders {
        assert!(matches!(
            recorder.wait_outcome(Duration::from_secs(120)),
            RemoteOutcome::Stopped { .. }
        ));
    }
    drop(slurm);
    assert_eq!(threads(), before, "dropping the driver ends its threads");
}
