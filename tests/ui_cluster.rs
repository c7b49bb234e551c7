//! The window with jobs on a cluster: each row says where its job runs (the
//! cluster's id for it and its state there, updated as the cluster moves
//! it), the details say why such a job cannot be paused, and a Slurm file
//! on a machine without Slurm is refused. The cluster is a fake backend
//! driven by hand (see `common/fake_cluster.rs`).

mod common;

#[path = "common/fake_cluster.rs"]
mod fake_cluster;

use std::path::PathBuf;
use std::sync::Arc;

use common::{PATIENCE, wait_until};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use fake_cluster::FakeCluster;
use jobdeck::board::StateClass;
use jobdeck::executor::slurm::DriverOptions;
use jobdeck::executor::{Cluster, ClusterOutcome, ClusterStatus, Clusters};
use jobdeck::ui::{App, Command, Settings};

const SLURM_FILE: &str =
    "executor = \"slurm\"\n\n[[job]]\nname = \"render\"\ncommand = [\"render\"]\n";

fn harness_of(app: App) -> Harness<'static, App> {
    Harness::builder()
        .with_size([1280.0, 800.0])
        .build_ui_state(|ui, app: &mut App| app.frame_ui(ui), app)
}

fn frames(harness: &mut Harness<'_, App>, frames: usize) {
    for _ in 0..frames {
        harness.step();
    }
}

fn step_until(harness: &mut Harness<'_, App>, what: &str, condition: impl Fn(&App) -> bool) {
    wait_until(what, PATIENCE, || {
        harness.step();
        condition(harness.state())
    });
}

fn job_file(dir: &tempfile::TempDir) -> PathBuf {
    let path = dir.path().join("jobs.toml");
    std::fs::write(&path, SLURM_FILE).unwrap();
    path
}

#[test]
fn a_rows_slurm_id_and_state_follow_the_cluster() {
    let fake = Arc::new(FakeCluster::default());
    // The file names no [slurm] settings: its jobs go to the default ones.
    let clusters = Clusters::default().with_executor(Cluster::Slurm(Arc::default()), fake.clone());
    let app = App::new(Settings::default())
        .unwrap()
        .with_clusters(clusters);
    let mut harness = harness_of(app);
    let dir = tempfile::tempdir().unwrap();
    harness
        .state_mut()
        .push_command(Command::OpenJobFile(job_file(&dir)));
    frames(&mut harness, 2);
    assert_eq!(harness.state().error(), None);
    let run = fake.run(0);

    run.reporter.status(ClusterStatus::Submitted {
        id: "4242".into(),
        output: "/shared/jobdeck-4242.out".into(),
    });
    run.reporter.status(ClusterStatus::Pending {
        id: "4242".into(),
        reason: "Priority".into(),
    });
    step_until(&mut harness, "the row to say pending", |app| {
        app.board().jobs()[0]
            .placement
            .as_ref()
            .is_some_and(|placement| placement.state == "PENDING")
    });
    harness.step();
    harness.get_by_label("Slurm 4242");
    harness.get_by_label("pending");

    run.reporter.status(ClusterStatus::Running {
        id: "4242".into(),
        nodes: "node7".into(),
    });
    step_until(&mut harness, "the row to say running", |app| {
        app.board().jobs()[0]
            .placement
            .as_ref()
            .is_some_and(|placement| placement.state == "RUNNING")
    });
    harness.step();
    harness.get_by_label("running");
    assert!(
        harness.query_by_label("pending").is_none(),
        "updated in place"
    );

    let id = harness.state().board().jobs()[0].id;
    harness.state_mut().select(Some(id));
    frames(&mut harness, 2);
    harness.get_by_label("Slurm job 4242: RUNNING (node7)");
    harness.get_by_label(
        "not offered: Slurm runs it, and jobdeck holds none of its processes to pause (the \
         toolbar's Pause still holds jobs that have not started)",
    );

    run.reporter.finished(ClusterOutcome::Succeeded {
        message: "Slurm job 4242 completed: exited with code 0".into(),
    });
    step_until(&mut harness, "the job to succeed", |app| {
        app.board().count(StateClass::Succeeded) == 1
    });
    harness.step();
    // Once ended the row still says which Slurm job it was.
    harness.get_by_label("Slurm 4242");
}

#[test]
fn a_slurm_file_without_slurm_on_this_machine_is_refused_and_starts_nothing() {
    let nowhere = tempfile::tempdir().unwrap();
    let clusters = Clusters::new(DriverOptions {
        search_path: Some(nowhere.path().as_os_str().to_owned()),
        ..DriverOptions::default()
    });
    let app = App::new(Settings::default())
        .unwrap()
        .with_clusters(clusters);
    let mut harness = harness_of(app);
    let dir = tempfile::tempdir().unwrap();
    let path = job_file(&dir);
    harness
        .state_mut()
        .push_command(Command::OpenJobFile(path.clone()));
    frames(&mut harness, 2);
    let error = harness.state().error().expect("an error shown").to_owned();
    assert!(
        error.starts_with(&format!(
            "{}: its jobs run on Slurm, but sbatch is not on PATH",
            path.display()
        )),
        "{error}"
    );
    harness.get_by_label(&error);
    assert!(harness.state().board().jobs().is_empty());
}
