//! Slurm jobs queued on the cluster hold no threads: through a session (the
//! engine's remote-job seam and the Slurm driver), hundreds of pending jobs
//! cost the driver's two threads and no worker. Alone in its test binary,
//! so that the process's thread count is the session's and the harness's.

mod common;

#[path = "slurm/support.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use jobdeck::engine::JobId;
use jobdeck::executor::Clusters;
use jobdeck::executor::slurm::SlurmSettings;
use jobdeck::jobspec::{
    BuildContext, CommandSpec, Executor, JobKind, JobSpec, Plan, PlannedJob, Program,
};
use jobdeck::session::Session;
use support::{CLUSTER_PATIENCE, cluster_is_up, options};

const JOBS: usize = 300;

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

#[test]
fn hundreds_of_slurm_jobs_pending_on_the_cluster_hold_two_threads() {
    if !cluster_is_up() {
        return;
    }
    let out = tempfile::tempdir().unwrap();
    // `--begin` keeps every job pending on the cluster for ten minutes.
    let settings = Arc::new(SlurmSettings {
        output_dir: Some(out.path().to_path_buf()),
        extra_args: vec!["--begin=now+600".into()],
        ..SlurmSettings::default()
    });
    let context = BuildContext {
        clusters: Clusters::new(options()),
        ..BuildContext::default()
    };
    let mut session = Session::new(1024, context).unwrap();
    let before = threads();
    let mut plan = Plan::default();
    for i in 0..JOBS {
        let mut command = CommandSpec::new(Program::Argv(vec!["true".into()]));
        command.executor = Executor::Slurm(Arc::clone(&settings));
        let spec = JobSpec::new(format!("pending {i}"), JobKind::Command(command));
        plan.jobs
            .push(PlannedJob::new(JobId::new(), Arc::new(spec), Vec::new()));
    }
    session.submit(plan).unwrap();

    let deadline = Instant::now() + CLUSTER_PATIENCE * 2;
    loop {
        session
            .wait(Duration::from_millis(50), Duration::from_millis(20))
            .unwrap();
        let pending = session
            .board()
            .jobs()
            .iter()
            .filter(|job| {
                job.placement
                    .as_ref()
                    .is_some_and(|placement| placement.state == "PENDING")
            })
            .count();
        if pending == JOBS {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {pending} of {JOBS} jobs pend on the cluster"
        );
    }
    assert_eq!(session.pool().counts().running, JOBS, "all in flight");
    assert_eq!(session.pool().worker_threads(), 0, "no worker thread");
    assert_eq!(
        threads(),
        before + 2,
        "the Slurm driver's submit and poll threads only"
    );

    session.pool().stop_all();
    let deadline = Instant::now() + CLUSTER_PATIENCE;
    while session.board().live_jobs() > 0 {
        assert!(Instant::now() < deadline, "the stopped jobs did not end");
        session
            .wait(Duration::from_millis(50), Duration::from_millis(20))
            .unwrap();
    }
    assert_eq!(
        session.board().count(jobdeck::board::StateClass::Stopped),
        JOBS
    );
}
