//! Command jobs whose executor is a cluster, through a session, with a fake
//! cluster backend that the test drives by hand: what the backend reports
//! shows as a local command's reports do, and the engine keeps the cap,
//! dependencies, retries and stops. (`tests/slurm_run.rs` does the same
//! against a real Slurm cluster.)

mod common;

#[path = "common/fake_cluster.rs"]
mod fake_cluster;

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{PATIENCE, wait_until};
use fake_cluster::FakeCluster;
use jobdeck::board::{Lifecycle, StateClass};
use jobdeck::engine::{EventKind, JobId, Outcome, Output, Pool};
use jobdeck::executor::{Cluster, ClusterExit, ClusterOutcome, ClusterStatus, Clusters};
use jobdeck::history::{History, JobState, NewRun, Retention};
use jobdeck::jobspec::{
    After, BuildContext, CommandSpec, Executor, JobKind, JobSpec, Plan, PlannedJob, Program,
};
use jobdeck::session::{Session, Sink, SinkContext};

/// Every event the session folded, in order.
#[derive(Clone, Default)]
struct Heard(Arc<Mutex<Vec<jobdeck::engine::Event>>>);

impl Sink for Heard {
    fn submitted(
        &mut self,
        _job: &jobdeck::board::JobView,
        _cx: &SinkContext<'_>,
    ) -> std::io::Result<()> {
        Ok(())
    }

    fn event(
        &mut self,
        event: &jobdeck::engine::Event,
        _cx: &SinkContext<'_>,
    ) -> std::io::Result<()> {
        self.0.lock().unwrap().push(event.clone());
        Ok(())
    }
}

impl Heard {
    fn of(&self, id: JobId) -> Vec<EventKind> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|event| event.job == id)
            .map(|event| event.kind.clone())
            .collect()
    }
}

fn slurm() -> Executor {
    Executor::Slurm(Arc::default())
}

fn session(max_threads: usize) -> (Session, Arc<FakeCluster>, Heard) {
    let fake = Arc::new(FakeCluster::default());
    let clusters = Clusters::default().with_executor(Cluster::Slurm(Arc::default()), fake.clone());
    let context = BuildContext {
        clusters,
        ..BuildContext::default()
    };
    let mut session = Session::new(max_threads, context).unwrap();
    let heard = Heard::default();
    session.add_sink(Box::new(heard.clone()));
    (session, fake, heard)
}

fn command(name: &str, argv: &[&str], executor: Executor) -> JobSpec {
    let mut command = CommandSpec::new(Program::Argv(argv.iter().map(|&a| a.to_owned()).collect()));
    command.executor = executor;
    JobSpec::new(name, JobKind::Command(command))
}

fn submit(session: &mut Session, specs: Vec<JobSpec>) -> Vec<JobId> {
    let mut plan = Plan::default();
    for spec in specs {
        let after = spec
            .after
            .iter()
            .filter_map(|after| match after {
                After::Job(name) => plan
                    .jobs
                    .iter()
                    .find(|job| job.spec.name == *name)
                    .map(|job| job.id),
                After::Batch(_) => None,
            })
            .collect();
        plan.jobs
            .push(PlannedJob::new(JobId::new(), Arc::new(spec), after));
    }
    let ids = plan.jobs.iter().map(|job| job.id).collect();
    session.submit(plan).unwrap();
    ids
}

/// Folds events until `condition` holds for the session.
fn drive_until(session: &mut Session, what: &str, condition: impl Fn(&Session) -> bool) {
    wait_until(what, PATIENCE, || {
        session
            .wait(Duration::from_millis(5), Duration::from_millis(4))
            .unwrap();
        condition(session)
    });
}

fn drive_to_the_end(session: &mut Session) {
    drive_until(session, "every job to end", |session| {
        session.board().live_jobs() == 0
    });
}

fn outcome(heard: &Heard, id: JobId) -> Outcome {
    heard
        .of(id)
        .into_iter()
        .find_map(|kind| match kind {
            EventKind::Finished(outcome) => Some(outcome),
            _ => None,
        })
        .expect("the job ended")
}

#[test]
fn a_cluster_job_shows_its_place_progress_plots_and_log_like_a_local_one() {
    let (mut session, fake, heard) = session(2);
    let mut spec = command("render", &["render", "frame 1"], slurm());
    spec.timeout = Some(Duration::from_secs(60));
    spec.priority = -2;
    let id = submit(&mut session, vec![spec])[0];
    let run = fake.run(0);
    assert_eq!(run.job.name, "render");
    assert_eq!(
        run.job.program,
        Program::Argv(vec!["render".into(), "frame 1".into()])
    );
    assert_eq!(run.job.timeout, Some(Duration::from_secs(60)));
    assert_eq!(run.job.priority, -2);
    assert_eq!(session.pool().worker_threads(), 0, "it holds no thread");

    let reporter = &run.reporter;
    reporter.status(ClusterStatus::Submitted {
        id: "12".into(),
        output: PathBuf::from("/shared/jobdeck-12.out"),
    });
    reporter.status(ClusterStatus::Pending {
        id: "12".into(),
        reason: "Resources".into(),
    });
    drive_until(&mut session, "the job to show as pending", |session| {
        session
            .board()
            .job(id)
            .unwrap()
            .placement
            .as_ref()
            .is_some_and(|p| p.state == "PENDING")
    });
    let placement = session.board().job(id).unwrap().placement.clone().unwrap();
    assert_eq!(placement.to_string(), "Slurm job 12: PENDING (Resources)");

    reporter.status(ClusterStatus::Running {
        id: "12".into(),
        nodes: "node7".into(),
    });
    for line in [
        "start",
        "frame 50%",
        "jobdeck:sample loss 1 0.5",
        "jobdeck:progress 0.75",
    ] {
        reporter.line(line.to_owned());
    }
    drive_until(&mut session, "the progress to arrive", |session| {
        (session.board().job(id).unwrap().progress - 0.75).abs() < 1e-6
    });
    let job = session.board().job(id).unwrap();
    assert_eq!(job.placement.as_ref().unwrap().detail, "node7");
    assert_eq!(job.lifecycle.class(), StateClass::Running);
    assert_eq!(job.series[0].name().as_ref(), "loss");
    assert_eq!(job.series[0].len(), 1);

    reporter.finished(ClusterOutcome::Succeeded {
        message: "Slurm job 12 completed: exited with code 0".into(),
    });
    drive_to_the_end(&mut session);
    assert_eq!(
        outcome(&heard, id),
        Outcome::Succeeded(Output::exit(
            0,
            "Slurm job 12 completed: exited with code 0"
        ))
    );
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
            "jobdeck: submitted to Slurm as job 12; its full output goes to /shared/jobdeck-12.out",
            "start",
            "frame 50%",
        ],
        "jobdeck: lines are progress and plots, not log"
    );
    let progress: Vec<f32> = heard
        .of(id)
        .into_iter()
        .filter_map(|kind| match kind {
            EventKind::Progress(value) => Some(value),
            _ => None,
        })
        .collect();
    assert!(
        progress.contains(&0.5) || progress.contains(&0.75),
        "{progress:?}"
    );
}

#[test]
fn a_failure_carries_the_exit_code_and_the_last_lines_of_output() {
    let (mut session, fake, heard) = session(2);
    let ids = submit(
        &mut session,
        vec![
            command("exits 3", &["false"], slurm()),
            command("killed", &["sleep", "99"], slurm()),
        ],
    );
    let exits = fake.run(0);
    exits.reporter.line("reading input".into());
    exits.reporter.line("no such file: a.dat".into());
    exits.reporter.finished(ClusterOutcome::Failed {
        exit: Some(ClusterExit {
            code: 3,
            signal: None,
        }),
        message: "Slurm job 12 failed: exited with code 3".into(),
    });
    fake.run(1).reporter.finished(ClusterOutcome::Failed {
        exit: Some(ClusterExit {
            code: 0,
            signal: Some(9),
        }),
        message: "Slurm job 13 failed: killed by signal 9".into(),
    });
    drive_to_the_end(&mut session);
    assert_eq!(
        outcome(&heard, ids[0]),
        Outcome::Failed {
            error: "Slurm job 12 failed: exited with code 3; last lines of output:\n\
                    reading input\nno such file: a.dat"
                .into(),
            exit_code: Some(3),
        }
    );
    assert_eq!(
        outcome(&heard, ids[1]),
        Outcome::Failed {
            error: "Slurm job 13 failed: killed by signal 9".into(),
            exit_code: None,
        },
        "a signal is no exit code"
    );
}

#[test]
fn a_timeout_by_the_clusters_clock_is_retried_with_a_new_submission() {
    let (mut session, fake, heard) = session(2);
    let mut spec = command("slow", &["sleep", "99"], slurm());
    spec.timeout = Some(Duration::from_secs(1));
    spec.retries = 1;
    let id = submit(&mut session, vec![spec])[0];
    let timed_out = |text: &str| ClusterOutcome::TimedOut {
        message: text.to_owned(),
    };
    fake.run(0).reporter.finished(timed_out(
        "timed out after 1 s of running; Slurm job 12 ended CANCELLED",
    ));
    fake.run(1).reporter.finished(timed_out(
        "timed out after 1 s of running; Slurm job 13 ended CANCELLED",
    ));
    drive_to_the_end(&mut session);
    assert_eq!(outcome(&heard, id), Outcome::TimedOut);
    assert!(heard.of(id).contains(&EventKind::Retrying {
        attempt: 1,
        error: "timed out".into()
    }));
    assert_eq!(fake.runs().len(), 2, "a retry is a new submission");
    let job = session.board().job(id).unwrap();
    assert!(
        job.log
            .lines()
            .any(|line| line
                == "jobdeck: timed out after 1 s of running; Slurm job 13 ended CANCELLED"),
        "{:?}",
        job.log.lines().collect::<Vec<_>>()
    );
}

#[test]
fn stop_reaches_the_cluster_and_pause_is_refused() {
    let (mut session, fake, heard) = session(2);
    let id = submit(
        &mut session,
        vec![command("long", &["sleep", "99"], slurm())],
    )[0];
    let run = fake.run(0);
    assert!(
        !session.pool().set_job_paused(id, true),
        "a cluster job cannot be paused"
    );
    assert!(session.pool().stop(id));
    assert_eq!(
        run.stops.load(Ordering::SeqCst),
        1,
        "the backend was asked to stop"
    );
    drive_until(&mut session, "the job to show as stopping", |session| {
        session.board().job(id).unwrap().lifecycle.class() == StateClass::Stopping
    });
    run.reporter
        .notice("jobdeck: stop asked: sent SIGTERM to Slurm job 12".into());
    run.reporter.finished(ClusterOutcome::Stopped {
        message: "stopped; Slurm job 12 ended CANCELLED".into(),
    });
    drive_to_the_end(&mut session);
    assert_eq!(outcome(&heard, id), Outcome::Stopped);
    assert!(matches!(
        session.board().job(id).unwrap().lifecycle,
        Lifecycle::Stopped { .. }
    ));
}

#[test]
fn max_threads_caps_how_many_are_on_the_cluster_at_once() {
    let (mut session, fake, _heard) = session(2);
    let specs = (0..5)
        .map(|i| command(&format!("job {i}"), &["true"], slurm()))
        .collect();
    submit(&mut session, specs);
    // Starts happen on the thread that dispatches, within `submit`.
    assert_eq!(fake.runs().len(), 2);
    assert_eq!(session.pool().counts().running, 2);
    let first = fake.run(0);
    first.reporter.finished(ClusterOutcome::Succeeded {
        message: "done".into(),
    });
    // The end freed a slot: the next job went out from the reporting thread.
    assert_eq!(fake.runs().len(), 3);
    for index in 1..5 {
        fake.run(index)
            .reporter
            .finished(ClusterOutcome::Succeeded {
                message: "done".into(),
            });
    }
    drive_to_the_end(&mut session);
    assert_eq!(session.board().count(StateClass::Succeeded), 5);
}

#[test]
fn dependencies_cross_between_local_and_cluster_jobs() {
    let (mut session, fake, heard) = session(4);
    let local_first = command("prepare", &["true"], Executor::Local);
    let mut remote = command("simulate", &["true"], slurm());
    remote.after = vec![After::Job("prepare".into())];
    let mut local_after = command("collect", &["true"], Executor::Local);
    local_after.after = vec![After::Job("simulate".into())];
    let mut skipped = command("never", &["true"], slurm());
    skipped.after = vec![After::Job("collect".into())];
    let mut failing = command("fails", &["false"], slurm());
    failing.after = vec![After::Job("prepare".into())];
    let mut after_failure = command("after failure", &["true"], Executor::Local);
    after_failure.after = vec![After::Job("fails".into())];
    let ids = submit(
        &mut session,
        vec![
            local_first,
            remote,
            local_after,
            failing,
            after_failure,
            skipped,
        ],
    );
    assert!(
        fake.runs().is_empty(),
        "nothing goes out before its dependency"
    );
    let first = fake.run(0);
    let second = fake.run(1);
    drive_until(&mut session, "prepare's end to be folded", |session| {
        session.board().job(ids[0]).unwrap().lifecycle.is_ended()
    });
    let (simulate, fails) = if first.job.name == "simulate" {
        (first, second)
    } else {
        (second, first)
    };
    fails.reporter.finished(ClusterOutcome::Failed {
        exit: None,
        message: "no".into(),
    });
    simulate.reporter.finished(ClusterOutcome::Succeeded {
        message: "ok".into(),
    });
    let never = fake.run(2);
    never.reporter.finished(ClusterOutcome::Succeeded {
        message: "ok".into(),
    });
    drive_to_the_end(&mut session);
    assert!(matches!(outcome(&heard, ids[2]), Outcome::Succeeded(_)));
    assert_eq!(
        outcome(&heard, ids[4]),
        Outcome::Skipped { because: ids[3] }
    );
    assert!(matches!(outcome(&heard, ids[5]), Outcome::Succeeded(_)));
    // Causes before effects: each job started after its dependency ended.
    let events = heard.0.lock().unwrap().clone();
    let at = |id: JobId, started: bool| {
        events
            .iter()
            .position(|event| {
                event.job == id
                    && if started {
                        matches!(event.kind, EventKind::Started { .. })
                    } else {
                        event.kind.is_terminal()
                    }
            })
            .unwrap()
    };
    assert!(at(ids[0], false) < at(ids[1], true));
    assert!(at(ids[1], false) < at(ids[2], true));
    assert!(at(ids[2], false) < at(ids[5], true));
}

#[test]
fn a_job_with_a_remote_id_follows_that_run_instead_of_submitting() {
    let (mut session, fake, heard) = session(2);
    let mut planned = PlannedJob::new(
        JobId::new(),
        Arc::new(command("resumed", &["true"], slurm())),
        Vec::new(),
    );
    planned.remote_id = Some("77".into());
    let id = planned.id;
    session
        .submit(Plan {
            jobs: vec![planned],
            barriers: Vec::new(),
        })
        .unwrap();
    let run = fake.run(0);
    assert_eq!(run.attached_to.as_deref(), Some("77"));
    run.reporter.finished(ClusterOutcome::Succeeded {
        message: "ok".into(),
    });
    drive_to_the_end(&mut session);
    assert!(matches!(outcome(&heard, id), Outcome::Succeeded(_)));
    assert!(
        session
            .board()
            .job(id)
            .unwrap()
            .log
            .lines()
            .any(|line| line.contains("following Slurm job 77 again")),
    );
}

#[test]
fn the_history_keeps_each_attempts_cluster_id_for_a_resume_to_follow() {
    let history_dir = tempfile::tempdir().unwrap();
    let mut history = History::open(history_dir.path(), Retention::default());
    let (mut session, fake, _heard) = session(2);
    session.add_sink(Box::new(history.journal().unwrap()));
    let run = history.begin_run(NewRun::default()).unwrap();
    let mut spec = command("simulate", &["simulate"], slurm());
    spec.retries = 1;
    submit(&mut session, vec![spec]);
    let remote_id = |history: &History| {
        history.sync();
        history.jobs(run).unwrap()[0].remote_id.clone()
    };
    let placed = |session: &mut Session, state: &str| {
        drive_until(session, state, |session| {
            session
                .board()
                .jobs()
                .iter()
                .any(|job| job.placement.as_ref().is_some_and(|p| p.state == state))
        });
    };
    let first = fake.run(0);
    first.reporter.status(ClusterStatus::Submitted {
        id: "12".into(),
        output: PathBuf::from("/shared/jobdeck-12.out"),
    });
    placed(&mut session, "SUBMITTED");
    assert_eq!(remote_id(&history).as_deref(), Some("12"));
    first.reporter.status(ClusterStatus::Running {
        id: "12".into(),
        nodes: "node7".into(),
    });
    placed(&mut session, "RUNNING");
    assert_eq!(remote_id(&history).as_deref(), Some("12"));
    // The retry is a new submission: the failed one is not followed again.
    first.reporter.finished(ClusterOutcome::Failed {
        exit: Some(ClusterExit {
            code: 1,
            signal: None,
        }),
        message: "exit 1".into(),
    });
    drive_until(&mut session, "the retry to start", |session| {
        session.board().jobs()[0].attempt == 2
    });
    assert_eq!(remote_id(&history), None);
    let retry = fake.run(1);
    retry.reporter.status(ClusterStatus::Submitted {
        id: "13".into(),
        output: PathBuf::from("/shared/jobdeck-13.out"),
    });
    placed(&mut session, "SUBMITTED");
    assert_eq!(remote_id(&history).as_deref(), Some("13"));
    retry.reporter.finished(ClusterOutcome::Succeeded {
        message: "ok".into(),
    });
    drive_to_the_end(&mut session);
    history.sync();
    let job = &history.jobs(run).unwrap()[0];
    assert_eq!(job.state, JobState::Succeeded);
    assert_eq!(job.remote_id.as_deref(), Some("13"));
}

#[test]
fn a_job_whose_session_is_gone_fails_saying_so() {
    let (pool, events) = Pool::new(1).unwrap();
    let context = BuildContext::default();
    let job = command("orphan", &["true"], slurm()).build(JobId::new(), &context);
    drop(context);
    let id = pool.submit(job).unwrap();
    let finished = events
        .into_iter()
        .find(|event| event.job == id && event.kind.is_terminal())
        .unwrap();
    assert_eq!(
        finished.kind,
        EventKind::Finished(Outcome::Failed {
            error:
                "cannot run it on Slurm: jobdeck is shutting down: the cluster executors are gone"
                    .into(),
            exit_code: None,
        })
    );
}
