//! Machines that cannot run Slurm jobs say so before anything starts, and a
//! cluster that goes away fails its jobs after a bounded wait.
//!
//! Slurm's commands are swapped for stand-ins by pointing the driver's
//! search path at a folder of scripts; the first tests need no cluster.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use jobdeck::executor::RemoteOutcome;
use jobdeck::executor::slurm::{DriverOptions, Slurm, SlurmError, SlurmSettings};
use tempfile::TempDir;

use crate::common::wait_for;
use crate::support::{
    CLUSTER_PATIENCE, Recorder, cluster_is_up, driver_with, options, options_in, sh, tools,
    write_script,
};

/// Where this machine's real `name` is, if Slurm is installed.
fn real(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

#[test]
fn no_sbatch_on_path_is_refused_and_fails_jobs_with_that_message() {
    let empty = tempfile::tempdir().unwrap();
    let options = options_in(empty.path());
    let error = Slurm::check_setup(&SlurmSettings::default(), &options).unwrap_err();
    assert!(matches!(error, SlurmError::Missing(_)), "{error:?}");
    let expected = format!(
        "sbatch is not on PATH ({}): Slurm jobs need Slurm's commands; run jobdeck on a login \
         node of the cluster, or add Slurm's bin directory to PATH",
        empty.path().display()
    );
    assert_eq!(error.to_string(), expected);

    // A driver started anyway fails the job with the same words, at once.
    let out = tempfile::tempdir().unwrap();
    let settings = SlurmSettings {
        output_dir: Some(out.path().to_path_buf()),
        ..SlurmSettings::default()
    };
    let slurm = Slurm::start(settings, options).unwrap();
    let recorder = Recorder::new();
    slurm.submit(sh("nowhere", "true"), recorder.clone());
    assert_eq!(
        recorder.wait_outcome(Duration::from_secs(10)),
        RemoteOutcome::Failed {
            exit: None,
            message: format!("Slurm did not take the job: {expected}")
        }
    );
}

/// Stand-ins for every command but `sinfo`, which runs `sinfo_body`.
fn with_sinfo(sinfo_body: &str) -> TempDir {
    tools(&[
        ("sbatch", "exit 0"),
        ("squeue", "exit 0"),
        ("scontrol", "exit 0"),
        ("scancel", "exit 0"),
        ("sinfo", sinfo_body),
    ])
}

#[test]
fn a_failing_sinfo_means_the_cluster_does_not_answer() {
    let dir = with_sinfo(
        "echo 'slurm_load_partitions: Unable to contact slurm controller (connect failure)' >&2\n\
         exit 1",
    );
    let error = Slurm::check_setup(&SlurmSettings::default(), &options_in(dir.path())).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the Slurm cluster does not answer: `sinfo --noheader '--format=%P'` failed (exit code 1): \
         slurm_load_partitions: Unable to contact slurm controller (connect failure)"
    );
}

#[test]
fn a_sinfo_that_hangs_is_given_up_at_the_deadline() {
    let dir = with_sinfo("exec sleep 60");
    let options = DriverOptions {
        command_timeout: Duration::from_millis(500),
        ..options_in(dir.path())
    };
    let started = Instant::now();
    let error = Slurm::check_setup(&SlurmSettings::default(), &options).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the Slurm cluster does not answer: `sinfo --noheader '--format=%P'` gave no answer \
         within 0.5 s"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn the_real_sinfo_with_no_controller_is_refused() {
    if real("sinfo").is_none() {
        eprintln!("skipped: Slurm is not installed here");
        return;
    }
    // A controller on a port where nothing listens.
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("slurm.conf");
    std::fs::write(
        &conf,
        "ClusterName=gone\nSlurmctldHost=localhost(127.0.0.1)\nSlurmctldPort=6999\n\
         NodeName=localhost CPUs=1\nPartitionName=debug Nodes=localhost Default=YES\n",
    )
    .unwrap();
    let options = DriverOptions {
        slurm_conf: Some(conf),
        command_timeout: Duration::from_secs(3),
        ..options()
    };
    let error = Slurm::check_setup(&SlurmSettings::default(), &options).unwrap_err();
    assert!(matches!(error, SlurmError::NoAnswer(_)), "{error:?}");
    assert!(
        error
            .to_string()
            .starts_with("the Slurm cluster does not answer: `sinfo --noheader '--format=%P'`"),
        "{error}"
    );
}

#[test]
fn a_partition_the_cluster_lacks_is_named_with_the_ones_it_has() {
    if !cluster_is_up() {
        return;
    }
    let settings = SlurmSettings {
        partition: Some("nowhere".into()),
        ..SlurmSettings::default()
    };
    let error = Slurm::check_setup(&settings, &options()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "partition \"nowhere\" (from the [slurm] settings) is not on this cluster; it has: debug"
    );
}

#[test]
fn a_cluster_that_stops_answering_fails_its_jobs_after_a_bounded_wait() {
    if !cluster_is_up() {
        return;
    }
    // The real commands, but squeue hangs once `down` exists, as it does
    // when the controller's machine vanishes.
    let dir = tempfile::tempdir().unwrap();
    let down = dir.path().join("down");
    for name in ["sbatch", "scontrol", "scancel", "sinfo"] {
        std::os::unix::fs::symlink(real(name).unwrap(), dir.path().join(name)).unwrap();
    }
    write_script(
        &dir.path().join("squeue"),
        &format!(
            "if [ -e '{}' ]; then exec sleep 60; fi\nexec '{}' \"$@\"",
            down.display(),
            real("squeue").unwrap().display()
        ),
    );
    let options = DriverOptions {
        command_timeout: Duration::from_secs(1),
        lost_after: Duration::from_secs(3),
        ..options_in(dir.path())
    };
    let Some((slurm, _out)) = driver_with(SlurmSettings::default(), options) else {
        return;
    };
    let recorder = Recorder::new();
    slurm.submit(sh("abandoned", "echo up; sleep 300"), recorder.clone());
    wait_for("the job's first line", CLUSTER_PATIENCE, || {
        recorder.line_at("up")
    });
    let id = recorder.slurm_id().unwrap();

    std::fs::write(&down, "").unwrap();
    let cut = Instant::now();
    let outcome = recorder.wait_outcome(Duration::from_secs(30));
    let waited = cut.elapsed();
    // Cleanup first, so a failed assertion leaves no job behind.
    let _ = std::process::Command::new("scancel").arg(&id).status();

    let message = outcome.message().to_owned();
    assert!(
        matches!(outcome, RemoteOutcome::Failed { exit: None, .. })
            && message.starts_with("lost contact with the Slurm cluster: squeue has failed for")
            && message.contains("gave no answer within 1 s")
            && message.ends_with(&format!("; Slurm job {id} may still be running there")),
        "{outcome:?}"
    );
    // lost_after (3 s) plus one hung squeue (1 s) plus a poll, with room.
    assert!(
        waited < Duration::from_secs(10),
        "failed {waited:?} after the cut"
    );
    assert_eq!(slurm.in_flight(), 0);
}

#[test]
fn a_job_slurm_no_longer_knows_fails_saying_so() {
    // Stand-ins for a controller that accepted job 4242 and then lost it:
    // squeue and scontrol fail for an unknown id, as Slurm's do.
    let unknown = "echo 'slurm_load_jobs error: Invalid job id specified' >&2\nexit 1";
    let dir = tools(&[
        ("sbatch", "cat >/dev/null\necho 4242"),
        ("squeue", unknown),
        ("scontrol", unknown),
        ("scancel", "exit 0"),
        ("sinfo", "echo 'debug*'"),
    ]);
    let out = tempfile::tempdir().unwrap();
    let settings = SlurmSettings {
        output_dir: Some(out.path().to_path_buf()),
        ..SlurmSettings::default()
    };
    let slurm = Slurm::start(settings, options_in(dir.path())).unwrap();
    let recorder = Recorder::new();
    slurm.submit(sh("forgotten", "true"), recorder.clone());
    assert_eq!(
        recorder.wait_outcome(Duration::from_secs(10)),
        RemoteOutcome::Failed {
            exit: None,
            message: "Slurm no longer knows job 4242: its end was not seen (its record expires \
                      MinJobAge after it ends, or the controller lost its state)"
                .into()
        }
    );
}

#[test]
fn jobs_queued_for_a_silent_cluster_fail_together_after_a_bounded_wait() {
    // sbatch hangs, as it does when the controller's machine is gone.
    let dir = tools(&[
        ("sbatch", "exec sleep 60"),
        ("squeue", "exit 0"),
        ("scontrol", "exit 0"),
        ("scancel", "exit 0"),
        ("sinfo", "echo 'debug*'"),
    ]);
    let out = tempfile::tempdir().unwrap();
    let settings = SlurmSettings {
        output_dir: Some(out.path().to_path_buf()),
        ..SlurmSettings::default()
    };
    let options = DriverOptions {
        command_timeout: Duration::from_millis(500),
        lost_after: Duration::from_secs(2),
        ..options_in(dir.path())
    };
    let slurm = Slurm::start(settings, options).unwrap();
    let started = Instant::now();
    let recorders: Vec<_> = (0..20)
        .map(|i| {
            let recorder = Recorder::new();
            slurm.submit(sh(&format!("silent-{i}"), "true"), recorder.clone());
            recorder
        })
        .collect();
    for recorder in &recorders {
        let outcome = recorder.wait_outcome(Duration::from_secs(30));
        let message = outcome.message();
        assert!(
            message.starts_with("not submitted: the Slurm cluster has not answered sbatch for")
                && message.contains("gave no answer within 0.5 s"),
            "{outcome:?}"
        );
    }
    // One sbatch timeout, then lost_after: not 20 timeouts one after another.
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    assert_eq!((slurm.in_flight(), slurm.held()), (0, 0));
}
