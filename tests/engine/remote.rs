//! Remote jobs (the seam for cluster executors): run by a fake executor, a
//! thread that completes attempts later, holding no worker thread.

use crossbeam_channel::{Receiver, Sender, unbounded};
use jobdeck::engine::{Placement, RemoteHandle, RemoteJob};

use crate::support::*;

/// What the fake executor does with an attempt.
#[derive(Clone, Copy)]
enum Script {
    /// Reports progress and a line, then succeeds after this long.
    Succeed(Duration),
    /// Fails attempts up to this one, then succeeds.
    FailUpTo(u32),
    /// Runs until stopped: attempt 1 only when the number is 1, every
    /// attempt when it is 0; later attempts succeed.
    UntilStopped(u32),
    /// Drops the handle without a result.
    Lose,
    /// Times out by its own clock up to this attempt, then succeeds.
    TimesOutUpTo(u32),
    /// Is placed three times (submitted, pending, running), then succeeds.
    Placed,
}

/// A fake cluster: one thread following every attempt in flight.
struct Cluster {
    tx: Sender<(RemoteHandle, Script)>,
    in_flight: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
    /// Stop callbacks called, by job.
    stops_seen: Arc<Mutex<Vec<JobId>>>,
}

impl Cluster {
    fn start() -> Arc<Self> {
        let (tx, rx) = unbounded();
        let cluster = Arc::new(Self {
            tx,
            in_flight: Arc::default(),
            peak: Arc::default(),
            stops_seen: Arc::default(),
        });
        let (in_flight, stops) = (
            Arc::clone(&cluster.in_flight),
            Arc::clone(&cluster.stops_seen),
        );
        std::thread::Builder::new()
            .name("fake-cluster".into())
            .spawn(move || follow(&rx, &in_flight, &stops))
            .unwrap();
        cluster
    }

    fn job(self: &Arc<Self>, script: Script) -> NewJob {
        NewJob::remote(FakeJob {
            cluster: Arc::clone(self),
            script,
            can_pause: false,
        })
    }
}

struct FakeJob {
    cluster: Arc<Cluster>,
    script: Script,
    can_pause: bool,
}

impl RemoteJob for FakeJob {
    fn start(&self, handle: RemoteHandle) {
        let now = self.cluster.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.cluster.peak.fetch_max(now, Ordering::SeqCst);
        let stops = Arc::clone(&self.cluster.stops_seen);
        let id = handle.id();
        handle.on_stop(move || stops.lock().unwrap().push(id));
        let _ = self.cluster.tx.send((handle, self.script));
    }

    fn can_pause(&self) -> bool {
        self.can_pause
    }
}

/// The cluster's thread: polls every attempt in flight each millisecond.
/// Ends when every job sender is gone and nothing is in flight.
fn follow(
    rx: &Receiver<(RemoteHandle, Script)>,
    in_flight: &AtomicUsize,
    _stops: &Mutex<Vec<JobId>>,
) {
    let mut attempts: Vec<(RemoteHandle, Script, Instant)> = Vec::new();
    loop {
        match rx.recv_timeout(Duration::from_millis(1)) {
            Ok((handle, script)) => attempts.push((handle, script, Instant::now())),
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) if attempts.is_empty() => {
                return;
            }
            Err(_) => {}
        }
        let mut still = Vec::new();
        for (handle, script, since) in attempts.drain(..) {
            if let Script::TimesOutUpTo(n) = script
                && handle.attempt() <= n
            {
                in_flight.fetch_sub(1, Ordering::SeqCst);
                handle.finish_timed_out();
                continue;
            }
            if let Script::Placed = script {
                for state in ["SUBMITTED", "PENDING", "RUNNING"] {
                    handle.place(placement(state));
                }
            }
            let result: Option<jobdeck::engine::JobResult> = match script {
                Script::Succeed(after) => {
                    handle.progress(0.5);
                    (since.elapsed() >= after).then(|| {
                        handle.log("done remotely");
                        Ok(Output::text("remote"))
                    })
                }
                Script::FailUpTo(n) if handle.attempt() <= n => Some(Err(JobError::msg(format!(
                    "attempt {} failed",
                    handle.attempt()
                )))),
                Script::UntilStopped(only) if only == 0 || handle.attempt() <= only => {
                    handle.should_stop().then_some(Err(JobError::Stopped))
                }
                Script::FailUpTo(_)
                | Script::UntilStopped(_)
                | Script::TimesOutUpTo(_)
                | Script::Placed => Some(Ok(Output::text("remote"))),
                Script::Lose => {
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    drop(handle);
                    continue;
                }
            };
            match result {
                Some(result) => {
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    handle.finish(result);
                }
                None => still.push((handle, script, since)),
            }
        }
        attempts = still;
    }
}

#[test]
fn a_remote_job_reports_like_a_local_one_and_holds_no_worker() {
    let cluster = Cluster::start();
    let (pool, mut events) = Pool::new(2).unwrap();
    let id = pool
        .submit(cluster.job(Script::Succeed(Duration::from_millis(50))))
        .unwrap();
    wait_until("the remote job to run", PATIENCE, || {
        matches!(
            pool.state(id),
            Some(JobState::Running {
                worker: None,
                attempt: 1,
                ..
            })
        )
    });
    assert_eq!(pool.counts().running, 1);
    let seen = until_finished(&mut events, &[id]);
    assert_eq!(pool.worker_threads(), 0, "no worker thread was started");
    assert_eq!(
        seen[0].kind,
        EventKind::Started {
            worker: None,
            attempt: 1
        }
    );
    assert!(seen.iter().any(|e| e.kind == EventKind::Progress(0.5)));
    assert!(seen.iter().any(
        |e| matches!(&e.kind, EventKind::Log { lines, .. } if lines[0].text == "done remotely")
    ));
    assert_eq!(
        outcome_of(&seen, id),
        &Outcome::Succeeded(Output::text("remote"))
    );
}

#[test]
fn remote_jobs_count_against_the_cap() {
    let cluster = Cluster::start();
    let (pool, mut events) = Pool::new(3).unwrap();
    let ids = pool
        .submit_all(
            (0..12)
                .map(|_| cluster.job(Script::Succeed(Duration::from_millis(10))))
                .collect(),
        )
        .unwrap();
    let seen = until_finished(&mut events, &ids);
    assert_eq!(cluster.peak.load(Ordering::SeqCst), 3);
    for id in ids {
        assert!(matches!(outcome_of(&seen, id), Outcome::Succeeded(_)));
    }
}

#[test]
fn a_stop_reaches_the_executor_and_ends_the_job_stopped() {
    let cluster = Cluster::start();
    let (pool, mut events) = Pool::new(2).unwrap();
    let id = pool.submit(cluster.job(Script::UntilStopped(0))).unwrap();
    wait_until("the remote job to run", PATIENCE, || {
        cluster.in_flight.load(Ordering::SeqCst) == 1
    });
    assert!(pool.stop(id));
    let seen = until_finished(&mut events, &[id]);
    assert_eq!(outcome_of(&seen, id), &Outcome::Stopped);
    assert_eq!(
        *cluster.stops_seen.lock().unwrap(),
        [id],
        "the callback ran once"
    );
}

#[test]
fn a_remote_timeout_is_retried_by_starting_again() {
    let cluster = Cluster::start();
    let (pool, mut events) = Pool::new(2).unwrap();
    let timed = pool
        .submit(
            cluster
                .job(Script::UntilStopped(1))
                .timeout(Duration::from_millis(30))
                .retries(1),
        )
        .unwrap();
    let flaky = pool
        .submit(cluster.job(Script::FailUpTo(2)).retries(2))
        .unwrap();
    let seen = until_finished(&mut events, &[timed, flaky]);
    let attempts = |id: JobId| -> Vec<u32> {
        seen.iter()
            .filter_map(|e| match e.kind {
                EventKind::Started { attempt, .. } if e.job == id => Some(attempt),
                _ => None,
            })
            .collect()
    };
    assert_eq!(attempts(timed), [1, 2]);
    assert!(seen.iter().any(|e| e.job == timed
        && e.kind
            == EventKind::Retrying {
                attempt: 1,
                error: "timed out".into()
            }));
    assert!(matches!(outcome_of(&seen, timed), Outcome::Succeeded(_)));
    assert_eq!(attempts(flaky), [1, 2, 3]);
    assert!(matches!(outcome_of(&seen, flaky), Outcome::Succeeded(_)));
}

fn placement(state: &str) -> Placement {
    Placement {
        executor: "Fake".into(),
        remote_id: Some("7".into()),
        state: state.into(),
        detail: String::new(),
    }
}

#[test]
fn a_timeout_by_the_executors_clock_is_retried_then_ends_timed_out() {
    let cluster = Cluster::start();
    let (pool, mut events) = Pool::new(2).unwrap();
    let recovers = pool
        .submit(cluster.job(Script::TimesOutUpTo(1)).retries(1))
        .unwrap();
    let gives_up = pool
        .submit(cluster.job(Script::TimesOutUpTo(2)).retries(1))
        .unwrap();
    let seen = until_finished(&mut events, &[recovers, gives_up]);
    assert!(seen.iter().any(|e| e.job == recovers
        && e.kind
            == EventKind::Retrying {
                attempt: 1,
                error: "timed out".into()
            }));
    assert!(matches!(outcome_of(&seen, recovers), Outcome::Succeeded(_)));
    assert_eq!(outcome_of(&seen, gives_up), &Outcome::TimedOut);
}

#[test]
fn a_placement_reaches_the_consumer_newest_first_and_before_the_end() {
    let cluster = Cluster::start();
    let (pool, mut events) = Pool::new(2).unwrap();
    let id = pool.submit(cluster.job(Script::Placed)).unwrap();
    let seen = until_finished(&mut events, &[id]);
    let placed: Vec<&Placement> = seen
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Placed(placement) if e.job == id => Some(placement),
            _ => None,
        })
        .collect();
    // Reported three times at once and coalesced: the newest arrives.
    assert_eq!(placed.last(), Some(&&placement("RUNNING")));
    assert!(placed.len() <= 3, "{placed:?}");
    let placed_at = seen
        .iter()
        .position(|e| matches!(e.kind, EventKind::Placed(_)))
        .unwrap();
    let finished_at = seen.iter().position(|e| e.kind.is_terminal()).unwrap();
    assert!(placed_at < finished_at);
}

#[test]
fn remote_and_local_jobs_depend_on_each_other() {
    let cluster = Cluster::start();
    let (pool, mut events) = Pool::new(2).unwrap();
    let local = NewJob::new(|_: &JobContext| Ok(Output::text("local")));
    let remote = cluster
        .job(Script::Succeed(Duration::from_millis(5)))
        .after([local.id()]);
    let last = NewJob::new(|_: &JobContext| Ok(Output::text("last"))).after([remote.id()]);
    let failing = cluster.job(Script::FailUpTo(9));
    let skipped = NewJob::new(|_: &JobContext| Ok(Output::default())).after([failing.id()]);
    let ids = pool
        .submit_all(vec![local, remote, last, failing, skipped])
        .unwrap();
    let seen = until_finished(&mut events, &ids);
    let position = |id: JobId, started: bool| {
        seen.iter()
            .position(|e| {
                e.job == id
                    && if started {
                        matches!(e.kind, EventKind::Started { .. })
                    } else {
                        e.kind.is_terminal()
                    }
            })
            .unwrap()
    };
    assert!(position(ids[0], false) < position(ids[1], true));
    assert!(position(ids[1], false) < position(ids[2], true));
    assert!(matches!(outcome_of(&seen, ids[2]), Outcome::Succeeded(_)));
    assert_eq!(
        outcome_of(&seen, ids[4]),
        &Outcome::Skipped { because: ids[3] }
    );
}

#[test]
fn pausing_is_refused_for_a_remote_job_that_cannot_pause() {
    let cluster = Cluster::start();
    let (pool, mut events) = Pool::new(2).unwrap();
    let stuck = pool.submit(cluster.job(Script::UntilStopped(0))).unwrap();
    let pausable = pool
        .submit(NewJob::remote(FakeJob {
            cluster: Arc::clone(&cluster),
            script: Script::UntilStopped(0),
            can_pause: true,
        }))
        .unwrap();
    wait_until("both remote jobs to run", PATIENCE, || {
        cluster.in_flight.load(Ordering::SeqCst) == 2
    });
    assert!(!pool.set_job_paused(stuck, true));
    assert!(pool.set_job_paused(pausable, true));
    pool.stop_all();
    until_finished(&mut events, &[stuck, pausable]);
}

#[test]
fn queued_remote_jobs_are_cancelled_and_running_ones_stopped_by_stop_all() {
    let cluster = Cluster::start();
    let (pool, mut events) = Pool::new(1).unwrap();
    let ids = pool
        .submit_all(
            (0..4)
                .map(|_| cluster.job(Script::UntilStopped(0)))
                .collect(),
        )
        .unwrap();
    wait_until("one remote job to run", PATIENCE, || {
        cluster.in_flight.load(Ordering::SeqCst) == 1
    });
    assert!(pool.cancel(ids[3]));
    pool.stop_all();
    let seen = until_finished(&mut events, &ids);
    let kinds: Vec<OutcomeKind> = ids.iter().map(|id| outcome_of(&seen, *id).kind()).collect();
    assert_eq!(
        kinds,
        [
            OutcomeKind::Stopped,
            OutcomeKind::Cancelled,
            OutcomeKind::Cancelled,
            OutcomeKind::Cancelled
        ]
    );
}

#[test]
fn a_lost_handle_fails_the_attempt() {
    let cluster = Cluster::start();
    let (pool, mut events) = Pool::new(1).unwrap();
    let id = pool.submit(cluster.job(Script::Lose)).unwrap();
    let seen = until_finished(&mut events, &[id]);
    assert_eq!(
        outcome_of(&seen, id),
        &Outcome::Failed {
            error: "the remote executor dropped the job without reporting a result".into(),
            exit_code: None
        }
    );
}

#[test]
fn shutting_down_stops_remote_jobs_and_waits_for_them() {
    let cluster = Cluster::start();
    let (pool, events) = Pool::new(2).unwrap();
    let id = pool.submit(cluster.job(Script::UntilStopped(0))).unwrap();
    wait_until("the remote job to run", PATIENCE, || {
        cluster.in_flight.load(Ordering::SeqCst) == 1
    });
    drop(pool);
    let seen: Vec<Event> = events.collect();
    assert_eq!(outcome_of(&seen, id), &Outcome::Stopped);
}
