//! Jobs that run to their end: success with output followed live, a failing
//! exit code, a timeout jobdeck enforces and one the cluster enforces.

use std::time::Duration;

use jobdeck::executor::slurm::SlurmSettings;
use jobdeck::executor::{ClusterExit, ClusterJob, ClusterOutcome, ClusterStatus};
use jobdeck::jobspec::Program;

use crate::support::{CLUSTER_PATIENCE, Recorder, driver, driver_with, options, sh};

#[test]
fn a_job_succeeds_and_its_output_is_followed_while_it_runs() {
    let Some((slurm, out)) = driver(options()) else {
        return;
    };
    let recorder = Recorder::new();
    let mut job = sh(
        "followed",
        "echo start; echo \"cwd $(pwd)\"; echo \"env $GREETING\"; echo jobdeck:progress 0.5; \
         sleep 3; printf 'a 10%%\\rb 90%%\\n\\033[1mdone\\033[0m\\n'",
    );
    job.cwd = Some(out.path().to_path_buf());
    job.env = vec![("GREETING".into(), "hello, there".into())];
    slurm.submit(job, recorder.clone());

    let outcome = recorder.wait_outcome(CLUSTER_PATIENCE);
    let id = recorder.slurm_id().expect("a Slurm job id");
    assert_eq!(
        outcome,
        ClusterOutcome::Succeeded {
            message: format!("Slurm job {id} completed: exited with code 0")
        }
    );
    assert_eq!(
        recorder.lines(),
        [
            "start".to_owned(),
            format!("cwd {}", out.path().display()),
            "env hello, there".to_owned(),
            "jobdeck:progress 0.5".to_owned(),
            // Redrawn in place after \r, as a terminal shows it; no escapes.
            "b 90%".to_owned(),
            "done".to_owned(),
        ]
    );
    // Live: the first line came while the job still had seconds to run.
    let first = recorder.line_at("start").unwrap();
    let end = recorder.finished_at().unwrap();
    assert!(
        end.duration_since(first) >= Duration::from_secs(2),
        "the first line arrived only {:?} before the end",
        end.duration_since(first)
    );
    let statuses = recorder.statuses();
    assert!(
        matches!(&statuses[0], ClusterStatus::Submitted { id: first_id, output }
            if *first_id == id && *output == out.path().join(format!("jobdeck-{id}.out"))),
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .any(|status| matches!(status, ClusterStatus::Running { .. })),
        "{statuses:?}"
    );
    assert!(out.path().join(format!("jobdeck-{id}.out")).is_file());
}

#[test]
fn a_failing_exit_code_is_reported_with_the_code() {
    let Some((slurm, _out)) = driver(options()) else {
        return;
    };
    let recorder = Recorder::new();
    let job = ClusterJob::new(
        "fails",
        Program::Argv(vec![
            "sh".into(),
            "-c".into(),
            "echo \"about to fail: $0\" >&2; exit 3".into(),
            "it's me".into(),
        ]),
    );
    slurm.submit(job, recorder.clone());

    let outcome = recorder.wait_outcome(CLUSTER_PATIENCE);
    let id = recorder.slurm_id().unwrap();
    assert_eq!(
        outcome,
        ClusterOutcome::Failed {
            exit: Some(ClusterExit {
                code: 3,
                signal: None
            }),
            message: format!("Slurm job {id} failed: exited with code 3"),
        }
    );
    assert_eq!(recorder.lines(), ["about to fail: it's me"]);
}

#[test]
fn a_program_killed_by_a_signal_says_which() {
    let Some((slurm, _out)) = driver(options()) else {
        return;
    };
    let recorder = Recorder::new();
    slurm.submit(sh("killed", "kill -KILL $$"), recorder.clone());
    let outcome = recorder.wait_outcome(CLUSTER_PATIENCE);
    let ClusterOutcome::Failed { exit, message } = outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(exit.and_then(|exit| exit.signal), Some(9), "{message}");
    assert!(
        message.contains("killed by signal 9 (SIGKILL)"),
        "{message}"
    );
}

#[test]
fn a_job_running_past_its_timeout_is_stopped_as_timed_out() {
    let Some((slurm, _out)) = driver(options()) else {
        return;
    };
    let recorder = Recorder::new();
    let mut job = sh("too-long", "echo begun; sleep 300");
    job.timeout = Some(Duration::from_secs(2));
    job.grace = Duration::from_secs(1);
    slurm.submit(job, recorder.clone());

    let outcome = recorder.wait_outcome(CLUSTER_PATIENCE);
    let id = recorder.slurm_id().unwrap();
    assert_eq!(
        outcome,
        ClusterOutcome::TimedOut {
            message: format!("timed out after 2 s of running; Slurm job {id} ended CANCELLED")
        }
    );
    // The clock starts when the job runs, not when it was queued.
    let running = recorder
        .status_at(|status| matches!(status, ClusterStatus::Running { .. }))
        .unwrap();
    let ran = recorder.finished_at().unwrap().duration_since(running);
    assert!(
        ran >= Duration::from_secs(2),
        "ended {ran:?} after it started"
    );
    let notices = recorder.notices();
    assert!(
        notices[0].starts_with(&format!(
            "jobdeck: timed out after 2 s: sent SIGTERM to Slurm job {id}"
        )),
        "{notices:?}"
    );
}

#[test]
fn the_clusters_own_time_limit_ends_a_job_as_timed_out() {
    // Slurm counts limits in minutes and checks them every half minute or
    // so: this test takes a minute and a half.
    let settings = SlurmSettings {
        extra_args: vec!["--time=1".into()],
        ..SlurmSettings::default()
    };
    let Some((slurm, _out)) = driver_with(settings, options()) else {
        return;
    };
    let recorder = Recorder::new();
    slurm.submit(sh("cluster-limit", "sleep 600"), recorder.clone());
    let outcome = recorder.wait_outcome(Duration::from_secs(240));
    let id = recorder.slurm_id().unwrap();
    assert_eq!(
        outcome,
        ClusterOutcome::TimedOut {
            message: format!(
                "Slurm job {id} reached its time limit on the cluster (00:01:00) and was killed"
            )
        }
    );
}

#[test]
fn a_job_that_cannot_be_a_script_fails_without_reaching_the_cluster() {
    let Some((slurm, _out)) = driver(options()) else {
        return;
    };
    let recorder = Recorder::new();
    let mut job = sh("bad-env", "true");
    job.env = vec![("NOT-A-NAME".into(), "1".into())];
    slurm.submit(job, recorder.clone());
    assert_eq!(
        recorder.wait_outcome(CLUSTER_PATIENCE),
        ClusterOutcome::Failed {
            exit: None,
            message: "cannot submit to Slurm: environment variable name \"NOT-A-NAME\" cannot \
                      be exported by a batch script"
                .into()
        }
    );
    assert!(recorder.statuses().is_empty());
}

#[test]
fn a_job_sbatch_refuses_fails_with_sbatchs_words() {
    let settings = SlurmSettings {
        extra_args: vec!["--partition=nowhere".into()],
        ..SlurmSettings::default()
    };
    let Some((slurm, _out)) = driver_with(settings, options()) else {
        return;
    };
    let recorder = Recorder::new();
    slurm.submit(sh("refused", "true"), recorder.clone());
    let outcome = recorder.wait_outcome(CLUSTER_PATIENCE);
    let message = outcome.message();
    assert!(
        matches!(outcome, ClusterOutcome::Failed { exit: None, .. })
            && message.starts_with("Slurm did not take the job: `sbatch --parsable")
            && message.contains("invalid partition specified: nowhere"),
        "{outcome:?}"
    );
    assert_eq!(slurm.in_flight(), 0, "the slot is given back");
}
