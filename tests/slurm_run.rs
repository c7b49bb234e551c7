//! Job files whose command jobs run on Slurm, end to end against the test
//! cluster (`tests/slurm/up.sh`): through a session, as the window runs
//! them, and through `jobdeck run`, as a person on a login node would.
//! Without a cluster each test says why it skips (see `slurm/support.rs`).

mod common;

#[path = "slurm/support.rs"]
mod support;

// Each test binary uses its own subset of the CLI tests' helpers.
#[allow(dead_code)]
#[path = "cli/support.rs"]
mod cli_support;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cli_support::{Events, Scratch, finish_within, wait_output};
use jobdeck::board::JobView;
use jobdeck::engine::{Event, EventKind, JobId, Outcome, Output, Placement};
use jobdeck::executor::Clusters;
use jobdeck::jobfile;
use jobdeck::jobspec::{BuildContext, Plan, PlannedJob};
use jobdeck::session::{Session, Sink, SinkContext};
use support::{
    CLUSTER_PATIENCE, OutputDir, cluster_is_up, options, process_exists, unique_name, wait_for,
};

/// Every event a session folded, with when.
#[derive(Clone, Default)]
struct Timeline(Arc<Mutex<Vec<(Instant, Event)>>>);

impl Sink for Timeline {
    fn submitted(&mut self, _job: &JobView, _cx: &SinkContext<'_>) -> std::io::Result<()> {
        Ok(())
    }

    fn event(&mut self, event: &Event, _cx: &SinkContext<'_>) -> std::io::Result<()> {
        self.0.lock().unwrap().push((Instant::now(), event.clone()));
        Ok(())
    }
}

impl Timeline {
    fn of(&self, id: JobId) -> Vec<(Instant, EventKind)> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, event)| event.job == id)
            .map(|(at, event)| (*at, event.kind.clone()))
            .collect()
    }

    fn outcome(&self, id: JobId) -> Outcome {
        self.of(id)
            .into_iter()
            .find_map(|(_, kind)| match kind {
                EventKind::Finished(outcome) => Some(outcome),
                _ => None,
            })
            .expect("the job ended")
    }

    fn placements(&self, id: JobId) -> Vec<(Instant, Placement)> {
        self.of(id)
            .into_iter()
            .filter_map(|(at, kind)| match kind {
                EventKind::Placed(placement) => Some((at, placement)),
                _ => None,
            })
            .collect()
    }

    /// The Slurm ids the job's runs had, in order, each once.
    fn slurm_ids(&self, id: JobId) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for (_, placement) in self.placements(id) {
            if let Some(remote) = placement.remote_id
                && !ids.contains(&remote)
            {
                ids.push(remote);
            }
        }
        ids
    }
}

/// A job file in a folder of its own, run through a session whose Slurm
/// driver polls quickly.
struct Run {
    dir: OutputDir,
    session: Session,
    timeline: Timeline,
    ids: Vec<(String, JobId)>,
}

impl Run {
    /// Loads `text` as `jobs.toml` and submits it, or `None` without a
    /// cluster. The file's `[slurm] output_dir` should be `out`.
    fn start(text: &str) -> Option<Self> {
        if !cluster_is_up() {
            return None;
        }
        let dir = OutputDir::new();
        let path = dir.path().join("jobs.toml");
        std::fs::write(&path, text).unwrap();
        let file = jobfile::load(&path).unwrap_or_else(|error| panic!("{error}"));
        let context = BuildContext {
            log_dir: Some(dir.path().join("logs")),
            clusters: Clusters::new(options()),
            ..BuildContext::default()
        };
        let mut session = Session::new(file.max_threads.unwrap_or(4), context).unwrap();
        let timeline = Timeline::default();
        session.add_sink(Box::new(timeline.clone()));
        let ids = file
            .plan
            .jobs
            .iter()
            .map(|job| (job.spec.name.clone(), job.id))
            .collect();
        session.submit(file.plan).unwrap();
        Some(Self {
            dir,
            session,
            timeline,
            ids,
        })
    }

    fn id(&self, name: &str) -> JobId {
        self.ids
            .iter()
            .find(|(known, _)| known == name)
            .unwrap_or_else(|| panic!("no job {name}"))
            .1
    }

    fn job(&self, name: &str) -> &JobView {
        self.session.board().job(self.id(name)).unwrap()
    }

    fn log(&self, name: &str) -> Vec<String> {
        self.job(name).log.lines().map(str::to_owned).collect()
    }

    /// Folds events until `condition` holds.
    fn until(&mut self, what: &str, condition: impl Fn(&Self) -> bool) {
        let deadline = Instant::now() + CLUSTER_PATIENCE;
        loop {
            self.session
                .wait(Duration::from_millis(20), Duration::from_millis(10))
                .unwrap();
            if condition(self) {
                return;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
        }
    }

    fn run_to_the_end(&mut self) {
        self.until("every job to end", |run| {
            run.session.board().live_jobs() == 0
        });
    }
}

#[test]
fn a_job_file_runs_on_slurm_with_output_progress_and_plots_followed_live() {
    let Some(mut run) = Run::start(
        r#"
executor = "slurm"
[slurm]
output_dir = "out"

[[job]]
name = "followed"
command = "echo start; echo jobdeck:progress 0.3; echo 'jobdeck:sample loss 1 0.5'; sleep 3; echo '50%'; echo done"
shell = true
"#,
    ) else {
        return;
    };
    run.run_to_the_end();
    let id = run.id("followed");
    let timeline = &run.timeline;
    let slurm_id = timeline.slurm_ids(id).pop().expect("a Slurm id");
    assert_eq!(
        timeline.outcome(id),
        Outcome::Succeeded(Output::exit(
            0,
            format!("Slurm job {slurm_id} completed: exited with code 0")
        ))
    );
    let output_file = run.dir.path().join(format!("out/jobdeck-{slurm_id}.out"));
    assert!(output_file.is_file(), "{}", output_file.display());
    assert_eq!(
        run.log("followed"),
        [
            format!(
                "jobdeck: submitted to Slurm as job {slurm_id}; its full output goes to {}",
                output_file.display()
            ),
            "start".into(),
            "50%".into(),
            "done".into(),
        ]
    );
    let job = run.job("followed");
    assert_eq!(job.series[0].name().as_ref(), "loss");
    assert_eq!(job.placement.as_ref().unwrap().executor, "Slurm");

    // Live: the progress came while the job had seconds left to run.
    let events = timeline.of(id);
    let progress_at = events
        .iter()
        .find(|(_, kind)| *kind == EventKind::Progress(0.3))
        .expect("progress 0.3 seen")
        .0;
    let end_at = events.last().unwrap().0;
    assert!(
        end_at.duration_since(progress_at) >= Duration::from_secs(2),
        "progress arrived only {:?} before the end",
        end_at.duration_since(progress_at)
    );
    let states: Vec<String> = timeline
        .placements(id)
        .into_iter()
        .map(|(_, placement)| placement.state)
        .collect();
    assert!(states.contains(&"RUNNING".to_owned()), "{states:?}");
}

#[test]
fn a_failing_exit_code_fails_the_job_with_the_code_and_its_last_lines() {
    let Some(mut run) = Run::start(
        r#"
executor = "slurm"
[slurm]
output_dir = "out"

[[job]]
name = "fails"
command = "echo 'bad input: a.dat' >&2; exit 3"
shell = true
"#,
    ) else {
        return;
    };
    run.run_to_the_end();
    let id = run.id("fails");
    let slurm_id = run.timeline.slurm_ids(id).pop().unwrap();
    assert_eq!(
        run.timeline.outcome(id),
        Outcome::Failed {
            error: format!(
                "Slurm job {slurm_id} failed: exited with code 3; last lines of output:\n\
                 bad input: a.dat"
            ),
            exit_code: Some(3),
        }
    );
}

#[test]
fn a_timeout_counts_running_time_only() {
    let Some(mut too_long) = Run::start(
        r#"
executor = "slurm"
[slurm]
output_dir = "out"

[[job]]
name = "too long"
command = "echo begun; sleep 300"
shell = true
timeout_secs = 2
grace_secs = 1
"#,
    ) else {
        return;
    };
    // `--begin` keeps this one pending on the cluster for longer than its
    // timeout; it must still run to its end.
    let mut waits_first = Run::start(
        r#"
executor = "slurm"
[slurm]
output_dir = "out"
extra_args = ["--begin=now+5"]

[[job]]
name = "waits first"
command = "sleep 1; echo ran"
shell = true
timeout_secs = 3
"#,
    )
    .unwrap();
    // Both folded as they go, so that each event's time is when it came.
    let deadline = Instant::now() + CLUSTER_PATIENCE;
    while too_long.session.board().live_jobs() + waits_first.session.board().live_jobs() > 0 {
        assert!(Instant::now() < deadline, "the jobs did not end");
        for run in [&mut too_long, &mut waits_first] {
            run.session
                .wait(Duration::from_millis(10), Duration::from_millis(5))
                .unwrap();
        }
    }

    let id = too_long.id("too long");
    let slurm_id = too_long.timeline.slurm_ids(id).pop().unwrap();
    assert_eq!(too_long.timeline.outcome(id), Outcome::TimedOut);
    let log = too_long.log("too long");
    assert!(
        log.contains(&format!(
            "jobdeck: timed out after 2 s of running; Slurm job {slurm_id} ended CANCELLED"
        )),
        "{log:?}"
    );

    let id = waits_first.id("waits first");
    assert!(
        matches!(waits_first.timeline.outcome(id), Outcome::Succeeded(_)),
        "{:?}",
        waits_first.log("waits first")
    );
    let started = waits_first.timeline.of(id)[0].0;
    let running = waits_first
        .timeline
        .placements(id)
        .into_iter()
        .find(|(_, placement)| placement.state == "RUNNING")
        .unwrap()
        .0;
    assert!(
        running.duration_since(started) > Duration::from_secs(3),
        "it waited {:?} on the cluster, less than its timeout: the test proves nothing",
        running.duration_since(started)
    );
}

/// Ignores SIGTERM, as does the child it starts; both say their pid and
/// log the SIGTERM they get.
const STUBBORN: &str = r#"trap 'echo parent got TERM' TERM; sh -c 'trap "echo child got TERM" TERM; echo child $$; while true; do sleep 0.1; done' & echo parent $$; while true; do sleep 0.1; done"#;

fn pid_in(log: &[String], who: &str) -> Option<u32> {
    log.iter().find_map(|line| {
        line.strip_prefix(&format!("{who} "))
            .and_then(|pid| pid.parse().ok())
    })
}

#[test]
fn stop_ends_a_program_that_ignores_sigterm_and_its_child() {
    let Some(mut run) = Run::start(&format!(
        "executor = \"slurm\"\n[slurm]\noutput_dir = \"out\"\n\n[[job]]\nname = \"stubborn\"\n\
         command = '''{STUBBORN}'''\nshell = true\ngrace_secs = 1\n"
    )) else {
        return;
    };
    run.until("both pids in the log", |run| {
        let log = run.log("stubborn");
        pid_in(&log, "parent").is_some() && pid_in(&log, "child").is_some()
    });
    let log = run.log("stubborn");
    let (parent, child) = (
        pid_in(&log, "parent").unwrap(),
        pid_in(&log, "child").unwrap(),
    );
    assert!(process_exists(parent) && process_exists(child));
    let id = run.id("stubborn");
    assert!(run.session.pool().stop(id));
    run.run_to_the_end();

    assert_eq!(run.timeline.outcome(id), Outcome::Stopped);
    assert!(!process_exists(parent), "the script outlived its job");
    assert!(!process_exists(child), "the child outlived its job");
    let slurm_id = run.timeline.slurm_ids(id).pop().unwrap();
    let log = run.log("stubborn");
    for expected in [
        "parent got TERM".to_owned(),
        "child got TERM".to_owned(),
        format!("jobdeck: grace period over: cancelled Slurm job {slurm_id}"),
        format!("jobdeck: stopped; Slurm job {slurm_id} ended CANCELLED"),
    ] {
        assert!(log.contains(&expected), "{expected:?} in {log:?}");
    }
    assert!(
        log.iter().any(|line| line.starts_with(&format!(
            "jobdeck: stop asked: sent SIGTERM to Slurm job {slurm_id}"
        ))),
        "{log:?}"
    );
}

#[test]
fn a_failed_attempt_is_retried_as_a_new_slurm_job() {
    let Some(mut run) = Run::start(
        r#"
executor = "slurm"
[slurm]
output_dir = "out"

[[job]]
name = "flaky"
command = "if [ -e marker ]; then echo second try; else touch marker; exit 1; fi"
shell = true
retries = 1
"#,
    ) else {
        return;
    };
    run.run_to_the_end();
    let id = run.id("flaky");
    assert!(matches!(run.timeline.outcome(id), Outcome::Succeeded(_)));
    let ids = run.timeline.slurm_ids(id);
    assert_eq!(ids.len(), 2, "two submissions: {ids:?}");
    assert!(run.log("flaky").contains(&"second try".to_owned()));
}

#[test]
fn a_job_already_on_the_cluster_is_followed_again_not_resubmitted() {
    if !cluster_is_up() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    // Submitted as an earlier jobdeck would have, before it restarted.
    let name = unique_name("reattached");
    let submitted = std::process::Command::new("sbatch")
        .args(["--parsable", &format!("--job-name={name}")])
        .arg(format!("--output={}/jobdeck-%j.out", out.display()))
        .arg("--wrap=echo from before the restart; sleep 2; echo jobdeck:progress 1; echo done")
        .output()
        .unwrap();
    assert!(submitted.status.success(), "{submitted:?}");
    let slurm_id = String::from_utf8(submitted.stdout)
        .unwrap()
        .trim()
        .to_owned();

    let text = format!(
        "executor = \"slurm\"\n[slurm]\noutput_dir = \"{}\"\n\n[[job]]\nname = \"{name}\"\n\
         command = [\"false\"]\n",
        out.display()
    );
    let file = jobfile::parse(&text, &dir.path().join("jobs.toml")).unwrap();
    let planned = &file.plan.jobs[0];
    let mut resumed = PlannedJob::new(planned.id, planned.spec.clone(), Vec::new());
    resumed.remote_id = Some(slurm_id.clone());
    let context = BuildContext {
        clusters: Clusters::new(options()),
        ..BuildContext::default()
    };
    let mut session = Session::new(2, context).unwrap();
    let timeline = Timeline::default();
    session.add_sink(Box::new(timeline.clone()));
    session
        .submit(Plan {
            jobs: vec![resumed],
            barriers: Vec::new(),
        })
        .unwrap();
    let id = planned.id;
    let deadline = Instant::now() + CLUSTER_PATIENCE;
    while session.board().live_jobs() > 0 {
        assert!(Instant::now() < deadline, "the followed job did not end");
        session
            .wait(Duration::from_millis(20), Duration::from_millis(10))
            .unwrap();
    }
    // Its own program ran (`false` would have failed), under its old id.
    assert!(
        matches!(timeline.outcome(id), Outcome::Succeeded(_)),
        "{:?}",
        timeline.outcome(id)
    );
    assert_eq!(timeline.slurm_ids(id), std::slice::from_ref(&slurm_id));
    let log: Vec<String> = session
        .board()
        .job(id)
        .unwrap()
        .log
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        log,
        [
            format!(
                "jobdeck: following Slurm job {slurm_id} again (submitted before jobdeck restarted)"
            ),
            "from before the restart".to_owned(),
            "done".to_owned(),
        ]
    );
}

/// Live jobs on the cluster whose name starts with `prefix`.
fn live_named_like(prefix: &str) -> usize {
    let output = std::process::Command::new("squeue")
        .args(["--noheader", "--format", "%j|%T"])
        .output()
        .expect("squeue runs");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.rsplit_once('|'))
        .filter(|(name, state)| {
            name.starts_with(prefix)
                && matches!(
                    *state,
                    "PENDING" | "RUNNING" | "CONFIGURING" | "COMPLETING" | "SUSPENDED"
                )
        })
        .count()
}

#[test]
fn fifty_jobs_with_max_threads_4_never_have_more_than_4_on_the_cluster() {
    if !cluster_is_up() {
        return;
    }
    let prefix = unique_name("capped");
    let scratch = Scratch::new();
    let _cleanup = support::CancelJobsUnder(scratch.path("out"));
    let file = scratch.write(
        "jobs.toml",
        &format!(
            "max_threads = 4\nexecutor = \"slurm\"\n[slurm]\noutput_dir = \"out\"\n\n\
             [[job]]\nname = \"{prefix}\"\ncommand = \"sleep 0.3\"\nshell = true\ncount = 50\n"
        ),
    );
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (prefix, done) = (prefix.clone(), Arc::clone(&done));
        std::thread::Builder::new()
            .name("test-squeue-sampler".into())
            .spawn(move || {
                let mut peak = 0;
                while !done.load(Ordering::SeqCst) {
                    peak = peak.max(live_named_like(&prefix));
                }
                peak
            })
            .unwrap()
    };
    let ran = finish_within(
        scratch.jobdeck(&["run", file.to_str().unwrap(), "--json"]),
        CLUSTER_PATIENCE * 3,
    );
    done.store(true, Ordering::SeqCst);
    let cluster_peak = sampler.join().unwrap();
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let events = Events::parse(&ran.stdout);
    let succeeded = events
        .0
        .iter()
        .filter(|event| event["event"] == "succeeded")
        .count();
    assert_eq!(succeeded, 50);
    assert_eq!(events.peak_running(), 4, "the cap is reached and kept");
    assert!(
        (1..=4).contains(&cluster_peak),
        "squeue saw {cluster_peak} of the jobs at once"
    );
    let placed: BTreeSet<&str> = events
        .0
        .iter()
        .filter(|event| event["event"] == "placed")
        .map(|event| event["remote_id"].as_str().unwrap())
        .collect();
    assert_eq!(placed.len(), 50, "every job says its Slurm id");
}

#[test]
fn dependencies_cross_between_slurm_and_local_jobs_in_jobdeck_run() {
    if !cluster_is_up() {
        return;
    }
    let scratch = Scratch::new();
    let _cleanup = support::CancelJobsUnder(scratch.path("out"));
    let file = scratch.write(
        "jobs.toml",
        r#"
executor = "slurm"
[slurm]
output_dir = "out"

[[job]]
name = "prepare"
executor = "local"
command = "echo 21 > input.txt"
shell = true

[[job]]
name = "simulate"
after = ["prepare"]
command = "echo $(( $(cat input.txt) * 2 )) > result.txt"
shell = true

[[job]]
name = "collect"
executor = "local"
after = ["simulate"]
command = ["cat", "result.txt"]

[[job]]
name = "fails"
after = ["prepare"]
command = "exit 1"
shell = true

[[job]]
name = "after failure"
executor = "local"
after = ["fails"]
command = ["true"]
"#,
    );
    let ran = finish_within(
        scratch.jobdeck(&["run", file.to_str().unwrap(), "--json"]),
        CLUSTER_PATIENCE,
    );
    assert_eq!(ran.code, Some(1), "a job failed: {}", ran.stderr);
    let events = Events::parse(&ran.stdout);
    assert_eq!(events.last("collect")["event"], "succeeded");
    assert_eq!(events.where_("collect", "log")[0]["line"], "42");
    assert_eq!(events.last("after failure")["event"], "skipped");
    assert_eq!(
        events.last("after failure")["because"],
        events.last("fails")["job"]
    );
    assert!(events.index("prepare", "succeeded") < events.index("simulate", "started"));
    assert!(events.index("simulate", "succeeded") < events.index("collect", "started"));
    assert!(!events.where_("simulate", "placed").is_empty());
    assert!(
        events.where_("prepare", "placed").is_empty(),
        "local jobs are not placed"
    );
}

#[test]
fn ctrl_c_in_jobdeck_run_stops_the_jobs_on_the_cluster() {
    if !cluster_is_up() {
        return;
    }
    let name = unique_name("interrupted");
    let scratch = Scratch::new();
    let _cleanup = support::CancelJobsUnder(scratch.path("out"));
    let file = scratch.write(
        "jobs.toml",
        &format!(
            "executor = \"slurm\"\n[slurm]\noutput_dir = \"out\"\n\n[[job]]\nname = \"{name}\"\n\
             command = \"echo started; sleep 300\"\nshell = true\n"
        ),
    );
    let child = scratch
        .jobdeck(&["run", file.to_str().unwrap(), "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for("the job to run on the cluster", CLUSTER_PATIENCE, || {
        let output = std::process::Command::new("squeue")
            .args(["--noheader", "--name", &name, "--format", "%T"])
            .output()
            .unwrap();
        (String::from_utf8_lossy(&output.stdout).trim() == "RUNNING").then_some(())
    });
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap()),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let ran = wait_output(child, CLUSTER_PATIENCE);
    assert_eq!(ran.code, Some(1), "{}", ran.stderr);
    assert!(ran.stderr.contains("interrupted"), "{}", ran.stderr);
    let events = Events::parse(&ran.stdout);
    assert_eq!(events.last(&name)["event"], "stopped");
    assert_eq!(live_named_like(&name), 0, "nothing left on the cluster");
}

#[test]
fn a_second_ctrl_c_cancels_the_clusters_jobs_and_exits_at_once() {
    if !cluster_is_up() {
        return;
    }
    let name = unique_name("interrupted-twice");
    let scratch = Scratch::new();
    let _cleanup = support::CancelJobsUnder(scratch.path("out"));
    // It ignores SIGTERM: the first Ctrl-C leaves it in its grace period.
    let file = scratch.write(
        "jobs.toml",
        &format!(
            "executor = \"slurm\"\n[slurm]\noutput_dir = \"out\"\n\n[[job]]\nname = \"{name}\"\n\
             command = \"trap 'echo got TERM' TERM; echo trapped; while true; do sleep 0.1; done\"\n\
             shell = true\ngrace_secs = 600\n"
        ),
    );
    let output_says = |word: &str| {
        std::fs::read_dir(scratch.path("out"))
            .ok()?
            .filter_map(Result::ok)
            .any(|entry| {
                std::fs::read_to_string(entry.path()).is_ok_and(|text| text.contains(word))
            })
            .then_some(())
    };
    let child = scratch
        .jobdeck(&["run", file.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap());
    // Running is not enough: a SIGTERM before the trap is set ends it.
    wait_for(
        "the job to trap SIGTERM on the cluster",
        CLUSTER_PATIENCE,
        || output_says("trapped"),
    );
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
    // Once the job got its SIGTERM, it is in its ten-minute grace.
    wait_for("the first stop to reach the job", CLUSTER_PATIENCE, || {
        output_says("got TERM")
    });
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
    let ran = wait_output(child, CLUSTER_PATIENCE);
    assert_eq!(ran.code, Some(130), "{}", ran.stderr);
    assert!(
        ran.stderr.contains(
            "interrupted twice: killed 0 running program(s) and cancelled 1 cluster job(s)"
        ),
        "{}",
        ran.stderr
    );
    wait_for("the job to leave the cluster", CLUSTER_PATIENCE, || {
        (live_named_like(&name) == 0).then_some(())
    });
}

#[test]
fn jobdeck_run_names_each_jobs_slurm_id_when_it_ends() {
    if !cluster_is_up() {
        return;
    }
    let scratch = Scratch::new();
    let _cleanup = support::CancelJobsUnder(scratch.path("out"));
    let file = scratch.write(
        "jobs.toml",
        "executor = \"slurm\"\n[slurm]\noutput_dir = \"out\"\n\n[[job]]\nname = \"hello\"\n\
         command = [\"echo\", \"hi\"]\n",
    );
    let ran = finish_within(
        scratch.jobdeck(&["run", file.to_str().unwrap()]),
        CLUSTER_PATIENCE,
    );
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let line = regex::Regex::new(r"(?m)^✓ hello \[Slurm \d+\]").unwrap();
    assert!(line.is_match(&ran.stdout), "{}", ran.stdout);
}
