//! Stopping jobs: running ones that ignore SIGTERM, pending ones, held ones.

use std::num::NonZeroUsize;
use std::time::{Duration, Instant};

use jobdeck::executor::slurm::{DriverOptions, SlurmSettings};
use jobdeck::executor::{RemoteOutcome, RemoteStatus};

use crate::common::wait_for;
use crate::support::{
    CLUSTER_PATIENCE, Recorder, Seen, driver, driver_with, options, options_in, process_exists, sh,
    tools,
};

/// A script that ignores SIGTERM, as does the child it starts; both say
/// their pid and log the SIGTERM they get.
const STUBBORN: &str = "\
trap 'echo parent got TERM' TERM
sh -c 'trap \"echo child got TERM\" TERM; echo child $$; while true; do sleep 0.1; done' &
echo parent $$
while true; do sleep 0.1; done";

fn pid_of(recorder: &Recorder, who: &str) -> Option<u32> {
    recorder.lines().iter().find_map(|line| {
        line.strip_prefix(&format!("{who} "))
            .and_then(|pid| pid.parse().ok())
    })
}

#[test]
fn stop_ends_a_program_that_ignores_sigterm_and_its_child() {
    let Some((slurm, _out)) = driver(options()) else {
        return;
    };
    let recorder = Recorder::new();
    let mut job = sh("stubborn", STUBBORN);
    job.grace = Duration::from_secs(1);
    let handle = slurm.submit(job, recorder.clone());
    let (parent, child) = wait_for("both pids in the output", CLUSTER_PATIENCE, || {
        Some((pid_of(&recorder, "parent")?, pid_of(&recorder, "child")?))
    });
    assert!(process_exists(parent) && process_exists(child));

    assert!(handle.stop());
    assert!(!handle.stop(), "a second stop asks nothing new");
    let outcome = recorder.wait_outcome(CLUSTER_PATIENCE);
    let id = recorder.slurm_id().unwrap();
    assert_eq!(
        outcome,
        RemoteOutcome::Stopped {
            message: format!("stopped; Slurm job {id} ended CANCELLED")
        }
    );
    // The end is reported once Slurm says the job's processes are gone.
    assert!(!process_exists(parent), "the script outlived its job");
    assert!(!process_exists(child), "the child outlived its job");
    let lines = recorder.lines();
    assert!(
        lines.contains(&"parent got TERM".to_owned())
            && lines.contains(&"child got TERM".to_owned()),
        "SIGTERM came first, to both: {lines:?}"
    );
    let notices = recorder.notices();
    assert_eq!(notices.len(), 2, "{notices:?}");
    assert!(notices[0].starts_with(&format!(
        "jobdeck: stop asked: sent SIGTERM to Slurm job {id}"
    )));
    assert_eq!(
        notices[1],
        format!("jobdeck: grace period over: cancelled Slurm job {id}")
    );
    assert_eq!(handle.slurm_id(), None, "ended");
}

#[test]
fn stop_cancels_a_pending_job_at_once() {
    // `--begin` keeps the job pending for ten minutes.
    let settings = SlurmSettings {
        extra_args: vec!["--begin=now+600".into()],
        ..SlurmSettings::default()
    };
    let Some((slurm, _out)) = driver_with(settings, options()) else {
        return;
    };
    let recorder = Recorder::new();
    let handle = slurm.submit(sh("pending", "echo never"), recorder.clone());
    wait_for("the job to pend", CLUSTER_PATIENCE, || {
        recorder.status_at(|status| matches!(status, RemoteStatus::Pending { .. }))
    });
    let id = handle.slurm_id().expect("an id while pending");
    let asked = Instant::now();
    handle.stop();
    let outcome = recorder.wait_outcome(CLUSTER_PATIENCE);
    assert_eq!(
        outcome,
        RemoteOutcome::Stopped {
            message: format!("stopped; Slurm job {id} ended CANCELLED")
        }
    );
    // Well within the 5 s grace: a pending job is cancelled, not signalled
    // (which would make scancel wait for it to start).
    assert!(
        asked.elapsed() < Duration::from_secs(4),
        "{:?}",
        asked.elapsed()
    );
    assert!(recorder.lines().is_empty());
}

#[test]
fn a_held_job_stops_without_being_submitted() {
    let options = DriverOptions {
        max_in_flight: NonZeroUsize::new(1),
        ..options()
    };
    let settings = SlurmSettings {
        extra_args: vec!["--begin=now+600".into()],
        ..SlurmSettings::default()
    };
    let Some((slurm, _out)) = driver_with(settings, options) else {
        return;
    };
    let first = Recorder::new();
    let first_handle = slurm.submit(sh("first", "true"), first.clone());
    let held = Recorder::new();
    let held_handle = slurm.submit(sh("held", "true"), held.clone());
    wait_for("the second job to be held", CLUSTER_PATIENCE, || {
        held.status_at(|status| *status == RemoteStatus::Held)
    });
    assert_eq!(slurm.held(), 1);

    held_handle.stop();
    assert_eq!(
        held.wait_outcome(CLUSTER_PATIENCE),
        RemoteOutcome::Stopped {
            message: "stopped before it was submitted to Slurm".into()
        }
    );
    assert_eq!(held.statuses(), [RemoteStatus::Held]);
    first_handle.stop();
    first.wait_outcome(CLUSTER_PATIENCE);
    assert_eq!((slurm.in_flight(), slurm.held()), (0, 0));
}

#[test]
fn a_job_that_ends_while_its_stop_is_sent_gets_nothing_after_its_end() {
    // Stand-ins: job 77 runs until scancel is called; scancel marks it
    // cancelled and then takes a second to return, so the poll thread sees
    // the end while the submit thread is still inside scancel.
    let dir = tempfile::tempdir().unwrap();
    let gone = dir.path().join("gone");
    let gone = gone.display();
    let scripts = [
        ("sbatch", "cat >/dev/null\necho 77".to_owned()),
        (
            "squeue",
            format!(
                "if [ -e '{gone}' ]; then echo '77|CANCELLED|None|n1'; else echo '77|RUNNING|None|n1'; fi"
            ),
        ),
        (
            "scontrol",
            format!(
                "[ -e '{gone}' ] && echo 'JobId=77 JobState=CANCELLED Reason=None ExitCode=0:15'"
            ),
        ),
        ("scancel", format!("touch '{gone}'\nsleep 1")),
        ("sinfo", "echo 'debug*'".to_owned()),
    ];
    let stand_ins: Vec<(&str, &str)> = scripts
        .iter()
        .map(|(name, body)| (*name, body.as_str()))
        .collect();
    let tools = tools(&stand_ins);
    let out = tempfile::tempdir().unwrap();
    let settings = SlurmSettings {
        output_dir: Some(out.path().to_path_buf()),
        ..SlurmSettings::default()
    };
    let slurm = jobdeck::executor::slurm::Slurm::start(settings, options_in(tools.path())).unwrap();
    let recorder = Recorder::new();
    let handle = slurm.submit(sh("racing", "true"), recorder.clone());
    wait_for("the job to run", CLUSTER_PATIENCE, || {
        recorder.status_at(|status| matches!(status, RemoteStatus::Running { .. }))
    });
    handle.stop();
    assert_eq!(
        recorder.wait_outcome(CLUSTER_PATIENCE),
        RemoteOutcome::Stopped {
            message: "stopped; Slurm job 77 ended CANCELLED".into()
        }
    );
    // Let the submit thread come back from scancel and report what it did.
    std::thread::sleep(Duration::from_millis(2500));
    drop(slurm);
    let last = recorder.seen().pop().unwrap().1;
    assert!(
        matches!(last, Seen::Finished(_)),
        "reported after the end: {last:?}"
    );
}
