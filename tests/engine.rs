//! The engine contract, tested through the public API.

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{PATIENCE, wait_for, wait_until};
use jobdeck::engine::{
    EngineError, Event, EventKind, EventReceiver, JobContext, JobError, JobId, JobState, NewJob,
    Outcome, OutcomeKind, Output, Pool, Wake,
};

/// Reads events until every job in `ids` has finished; returns all events
/// read, in order.
fn until_finished(events: &mut EventReceiver, ids: &[JobId]) -> Vec<Event> {
    let mut open: std::collections::HashSet<JobId> = ids.iter().copied().collect();
    let mut seen = Vec::new();
    let deadline = Instant::now() + PATIENCE;
    while !open.is_empty() {
        let event = events
            .recv_deadline(deadline)
            .unwrap_or_else(|e| panic!("{} jobs never finished: {e}", open.len()));
        if event.kind.is_terminal() {
            open.remove(&event.job);
        }
        seen.push(event);
    }
    seen
}

fn outcome_of(events: &[Event], id: JobId) -> &Outcome {
    events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::Finished(outcome) if e.job == id => Some(outcome),
            _ => None,
        })
        .expect("the job finished")
}

/// A job that counts itself in `running` while it runs and blocks until
/// `gate` opens (or it is stopped).
fn gated(running: &Arc<AtomicUsize>, gate: &Arc<AtomicBool>) -> NewJob {
    let (running, gate) = (Arc::clone(running), Arc::clone(gate));
    NewJob::new(move |ctx: &JobContext| {
        running.fetch_add(1, Ordering::SeqCst);
        let result = loop {
            if gate.load(Ordering::SeqCst) {
                break Ok(Output::default());
            }
            if ctx.sleep(Duration::from_millis(1)).is_err() {
                break Err(JobError::Stopped);
            }
        };
        running.fetch_sub(1, Ordering::SeqCst);
        result
    })
}

#[test]
fn max_threads_out_of_range_is_an_error_not_a_panic() {
    assert_eq!(Pool::new(0).err(), Some(EngineError::InvalidMaxThreads(0)));
    assert_eq!(
        Pool::new(1025).err(),
        Some(EngineError::InvalidMaxThreads(1025))
    );
    let (pool, _events) = Pool::new(1024).expect("1024 is allowed");
    assert_eq!(
        pool.set_max_threads(0),
        Err(EngineError::InvalidMaxThreads(0))
    );
    assert_eq!(pool.max_threads(), 1024, "a refused change changes nothing");
    assert_eq!(
        EngineError::InvalidMaxThreads(0).to_string(),
        "max threads must be between 1 and 1024, got 0"
    );
}

#[test]
fn running_count_never_exceeds_the_cap_while_it_changes() {
    let (pool, mut events) = Pool::new(4).unwrap();
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    // The cap a job may see when it starts: raised before a raise takes
    // effect, lowered only once the engine runs no more than the new cap.
    let allowed = Arc::new(AtomicUsize::new(4));
    let violations = Arc::new(AtomicUsize::new(0));
    let mut rng = fastrand::Rng::with_seed(7);
    let jobs: Vec<NewJob> = (0..1000)
        .map(|i| {
            let (running, peak, allowed, violations) = (
                Arc::clone(&running),
                Arc::clone(&peak),
                Arc::clone(&allowed),
                Arc::clone(&violations),
            );
            let work = Duration::from_micros(rng.u64(0..1500));
            NewJob::new(move |_ctx: &JobContext| {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                if now > allowed.load(Ordering::SeqCst) {
                    violations.fetch_add(1, Ordering::SeqCst);
                }
                std::thread::sleep(work);
                running.fetch_sub(1, Ordering::SeqCst);
                Ok(Output::text(i.to_string()))
            })
        })
        .collect();
    let ids = pool.submit_all(jobs).unwrap();
    let mut changes = 0;
    while pool.counts().queued > 0 {
        let cap = rng.usize(1..=16);
        if cap >= allowed.load(Ordering::SeqCst) {
            allowed.store(cap, Ordering::SeqCst);
            pool.set_max_threads(cap).unwrap();
        } else {
            pool.set_max_threads(cap).unwrap();
            wait_until(
                "running jobs to drain below a lowered cap",
                PATIENCE,
                || pool.counts().running <= cap,
            );
            allowed.store(cap, Ordering::SeqCst);
        }
        changes += 1;
        std::thread::sleep(Duration::from_millis(2));
    }
    let seen = until_finished(&mut events, &ids);
    assert!(changes >= 5, "the cap changed only {changes} times");
    assert_eq!(
        violations.load(Ordering::SeqCst),
        0,
        "a job started above the cap"
    );
    assert!(peak.load(Ordering::SeqCst) <= 16);
    let succeeded = seen
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Finished(Outcome::Succeeded(_))))
        .count();
    assert_eq!(succeeded, 1000);
}

#[test]
fn raising_the_cap_starts_queued_jobs_at_once() {
    let (pool, mut events) = Pool::new(1).unwrap();
    let running = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(AtomicBool::new(false));
    let ids = pool
        .submit_all((0..3).map(|_| gated(&running, &gate)).collect())
        .unwrap();
    wait_until("the first job to start", PATIENCE, || {
        running.load(Ordering::SeqCst) == 1
    });
    assert_eq!(pool.counts().queued, 2);
    pool.set_max_threads(3).unwrap();
    // The first job is still blocked, so these can only be new starts.
    wait_until("all three jobs to run at once", PATIENCE, || {
        running.load(Ordering::SeqCst) == 3
    });
    gate.store(true, Ordering::SeqCst);
    until_finished(&mut events, &ids);
}

#[test]
fn lowering_the_cap_lets_running_jobs_finish() {
    let (pool, mut events) = Pool::new(3).unwrap();
    let running = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(AtomicBool::new(false));
    let ids = pool
        .submit_all((0..5).map(|_| gated(&running, &gate)).collect())
        .unwrap();
    wait_until("three jobs to run", PATIENCE, || {
        running.load(Ordering::SeqCst) == 3
    });
    pool.set_max_threads(1).unwrap();
    assert_eq!(pool.counts().running, 3, "lowering interrupts nothing");
    gate.store(true, Ordering::SeqCst);
    let seen = until_finished(&mut events, &ids);
    for id in &ids {
        assert!(matches!(outcome_of(&seen, *id), Outcome::Succeeded(_)));
    }
    // After the lowering, the two queued jobs ran one at a time: each
    // started only after every earlier job had finished.
    let mut live = 0usize;
    let mut max_live_after_first_end = 0;
    let mut ended_any = false;
    for event in &seen {
        match event.kind {
            EventKind::Started { .. } => live += 1,
            EventKind::Finished(_) => {
                live -= 1;
                ended_any = true;
            }
            _ => {}
        }
        if ended_any && matches!(event.kind, EventKind::Started { .. }) {
            max_live_after_first_end = max_live_after_first_end.max(live);
        }
    }
    assert!(
        max_live_after_first_end <= 1,
        "a queued job started while {max_live_after_first_end} ran"
    );
}

#[test]
fn stopping_a_cooperative_job_reports_stopped_promptly() {
    let (pool, mut events) = Pool::new(2).unwrap();
    let mut latencies = Vec::new();
    for _ in 0..11 {
        let steps_after_stop = Arc::new(AtomicUsize::new(0));
        let stopped = Arc::new(AtomicBool::new(false));
        let (counter, flag) = (Arc::clone(&steps_after_stop), Arc::clone(&stopped));
        let id = pool
            .submit(NewJob::new(move |ctx: &JobContext| {
                loop {
                    if flag.load(Ordering::SeqCst) {
                        counter.fetch_add(1, Ordering::SeqCst);
                    }
                    ctx.checkpoint()?;
                    ctx.sleep(Duration::from_millis(1))?;
                }
            }))
            .unwrap();
        wait_for("the job to start", PATIENCE, || {
            events
                .try_recv()
                .ok()
                .filter(|e| e.job == id && matches!(e.kind, EventKind::Started { .. }))
        });
        let asked = Instant::now();
        stopped.store(true, Ordering::SeqCst);
        assert!(pool.stop(id));
        let seen = until_finished(&mut events, &[id]);
        latencies.push(asked.elapsed());
        assert_eq!(outcome_of(&seen, id), &Outcome::Stopped);
        assert!(
            steps_after_stop.load(Ordering::SeqCst) <= 1,
            "the job ran more than one step after the stop"
        );
    }
    latencies.sort();
    let median = latencies[latencies.len() / 2];
    assert!(
        median < Duration::from_millis(10),
        "median stop latency {median:?}"
    );
}

#[test]
fn cancelled_queued_job_never_starts() {
    let (pool, mut events) = Pool::new(1).unwrap();
    let running = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(AtomicBool::new(false));
    let blocker = pool.submit(gated(&running, &gate)).unwrap();
    wait_until("the blocker to run", PATIENCE, || {
        running.load(Ordering::SeqCst) == 1
    });
    let started = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&started);
    let queued = pool
        .submit(NewJob::new(move |_: &JobContext| {
            flag.store(true, Ordering::SeqCst);
            Ok(Output::default())
        }))
        .unwrap();
    assert_eq!(pool.state(queued), Some(JobState::Queued));
    assert!(pool.cancel(queued));
    assert_eq!(
        pool.state(queued),
        Some(JobState::Ended(OutcomeKind::Cancelled))
    );
    assert!(!pool.cancel(blocker), "cancel leaves running jobs alone");
    gate.store(true, Ordering::SeqCst);
    let seen = until_finished(&mut events, &[blocker, queued]);
    assert_eq!(outcome_of(&seen, queued), &Outcome::Cancelled);
    assert!(!started.load(Ordering::SeqCst));
    assert!(
        !seen
            .iter()
            .any(|e| e.job == queued && matches!(e.kind, EventKind::Started { .. }))
    );
}

#[test]
fn pause_holds_dispatch_and_resume_releases_it() {
    let (pool, mut events) = Pool::new(4).unwrap();
    pool.pause();
    assert!(pool.is_paused());
    let ids = pool
        .submit_all(
            (0..3)
                .map(|_| NewJob::new(|_: &JobContext| Ok(Output::default())))
                .collect(),
        )
        .unwrap();
    // Nothing can start while paused: the pool admits that it holds them.
    assert_eq!(pool.counts().queued, 3);
    assert!(events.try_recv().is_err(), "no event while paused");
    pool.resume();
    let seen = until_finished(&mut events, &ids);
    assert_eq!(seen.iter().filter(|e| e.kind.is_terminal()).count(), 3);
}

#[test]
fn higher_priority_runs_first_then_submission_order() {
    let (pool, mut events) = Pool::new(1).unwrap();
    pool.pause();
    let order = Arc::new(std::sync::Mutex::new(Vec::new()));
    let job = |label: &'static str, priority: i32| {
        let order = Arc::clone(&order);
        NewJob::new(move |_: &JobContext| {
            order.lock().unwrap().push(label);
            Ok(Output::default())
        })
        .priority(priority)
    };
    let ids = pool
        .submit_all(vec![
            job("low-1", 0),
            job("high-1", 5),
            job("low-2", 0),
            job("high-2", 5),
            job("mid", 1),
        ])
        .unwrap();
    let last = pool.submit(job("raised", 0)).unwrap();
    assert!(pool.set_priority(last, 9));
    pool.resume();
    let mut all = ids.clone();
    all.push(last);
    until_finished(&mut events, &all);
    assert_eq!(
        *order.lock().unwrap(),
        ["raised", "high-1", "high-2", "mid", "low-1", "low-2"]
    );
}

#[test]
fn timeout_stops_the_job_as_timed_out() {
    let (pool, mut events) = Pool::new(2).unwrap();
    let id = pool
        .submit(
            NewJob::new(|ctx: &JobContext| {
                ctx.sleep(Duration::from_secs(60))?;
                Ok(Output::default())
            })
            .timeout(Duration::from_millis(30)),
        )
        .unwrap();
    let seen = until_finished(&mut events, &[id]);
    assert_eq!(outcome_of(&seen, id), &Outcome::TimedOut);
    assert!(
        seen.iter()
            .any(|e| e.kind == EventKind::StopRequested { timed_out: true })
    );
}

#[test]
fn retries_run_again_with_the_attempt_number_in_events() {
    let (pool, mut events) = Pool::new(2).unwrap();
    // Fails twice, then succeeds.
    let flaky = pool
        .submit(
            NewJob::new(|ctx: &JobContext| {
                if ctx.attempt() < 3 {
                    Err(JobError::msg(format!("attempt {} failed", ctx.attempt())))
                } else {
                    Ok(Output::text("third time lucky"))
                }
            })
            .retries(5),
        )
        .unwrap();
    // Always fails: one run plus two retries, then Failed.
    let hopeless = pool
        .submit(
            NewJob::new(|_: &JobContext| Err(JobError::exit(3, "exited with code 3"))).retries(2),
        )
        .unwrap();
    // Times out on the first attempt only.
    let slow_once = pool
        .submit(
            NewJob::new(|ctx: &JobContext| {
                if ctx.attempt() == 1 {
                    ctx.sleep(Duration::from_secs(60))?;
                }
                Ok(Output::text("fast enough"))
            })
            .timeout(Duration::from_millis(30))
            .retries(1),
        )
        .unwrap();
    let seen = until_finished(&mut events, &[flaky, hopeless, slow_once]);
    let attempts = |id: JobId| -> Vec<u32> {
        seen.iter()
            .filter_map(|e| match e.kind {
                EventKind::Started { attempt, .. } if e.job == id => Some(attempt),
                _ => None,
            })
            .collect()
    };
    assert_eq!(attempts(flaky), [1, 2, 3]);
    assert_eq!(
        outcome_of(&seen, flaky),
        &Outcome::Succeeded(Output::text("third time lucky"))
    );
    assert_eq!(attempts(hopeless), [1, 2, 3]);
    assert_eq!(
        outcome_of(&seen, hopeless),
        &Outcome::Failed {
            error: "exited with code 3".into(),
            exit_code: Some(3)
        }
    );
    assert_eq!(attempts(slow_once), [1, 2]);
    assert!(matches!(
        outcome_of(&seen, slow_once),
        Outcome::Succeeded(_)
    ));
    let retry_errors: Vec<&str> = seen
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Retrying { error, .. } if e.job == flaky => Some(error.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(retry_errors, ["attempt 1 failed", "attempt 2 failed"]);
}

#[test]
fn a_stopped_job_is_not_retried() {
    let (pool, mut events) = Pool::new(1).unwrap();
    let id = pool
        .submit(
            NewJob::new(|ctx: &JobContext| {
                ctx.sleep(Duration::from_secs(60))?;
                Ok(Output::default())
            })
            .retries(3),
        )
        .unwrap();
    wait_until("the job to run", PATIENCE, || {
        matches!(pool.state(id), Some(JobState::Running { .. }))
    });
    pool.stop(id);
    let seen = until_finished(&mut events, &[id]);
    assert_eq!(outcome_of(&seen, id), &Outcome::Stopped);
    assert!(
        !seen
            .iter()
            .any(|e| matches!(e.kind, EventKind::Retrying { .. }))
    );
}

/// Seed 003's first deadlock: two tasks each waiting for the other. As
/// dependencies, that is a cycle, refused up front with nothing queued.
#[test]
fn jobs_waiting_on_each_other_are_rejected_as_a_cycle() {
    let (pool, _events) = Pool::new(2).unwrap();
    let a = NewJob::new(|_: &JobContext| Ok(Output::default()));
    let b = NewJob::new(|_: &JobContext| Ok(Output::default()));
    let (a_id, b_id) = (a.id(), b.id());
    let result = pool.submit_all(vec![a.after([b_id]), b.after([a_id])]);
    let Err(EngineError::DependencyCycle(members)) = result else {
        panic!("expected a cycle error, got {result:?}");
    };
    assert_eq!(members.len(), 2);
    assert_eq!(pool.state(a_id), None, "nothing of the batch was queued");
    assert_eq!(pool.counts().queued, 0);
}

/// Seed 003's second deadlock: a task waiting on another task in a pool of
/// one thread. The scheduler does the waiting, so both complete.
#[test]
fn a_dependency_in_a_one_thread_pool_completes() {
    let (pool, mut events) = Pool::new(1).unwrap();
    let order = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (o1, o2) = (Arc::clone(&order), Arc::clone(&order));
    let first = NewJob::new(move |_: &JobContext| {
        o1.lock().unwrap().push("first");
        Ok(Output::default())
    });
    // Submitted first, so without the scheduler's waiting it would occupy
    // the only worker.
    let waiter = NewJob::new(move |_: &JobContext| {
        o2.lock().unwrap().push("waiter");
        Ok(Output::default())
    })
    .after([first.id()]);
    let ids = pool.submit_all(vec![waiter, first]).unwrap();
    let seen = until_finished(&mut events, &ids);
    assert!(seen.iter().all(|e| !matches!(
        e.kind,
        EventKind::Finished(ref o) if o.kind() != OutcomeKind::Succeeded
    )));
    assert_eq!(*order.lock().unwrap(), ["first", "waiter"]);
}

#[test]
fn a_failed_dependency_skips_its_dependents_transitively() {
    let (pool, mut events) = Pool::new(2).unwrap();
    let failing = NewJob::new(|_: &JobContext| Err(JobError::msg("boom")));
    let child = NewJob::new(|_: &JobContext| Ok(Output::default())).after([failing.id()]);
    let grandchild = NewJob::new(|_: &JobContext| Ok(Output::default())).after([child.id()]);
    let (f, c, g) = (failing.id(), child.id(), grandchild.id());
    pool.submit_all(vec![failing, child, grandchild]).unwrap();
    let seen = until_finished(&mut events, &[f, c, g]);
    assert_eq!(outcome_of(&seen, c), &Outcome::Skipped { because: f });
    assert_eq!(outcome_of(&seen, g), &Outcome::Skipped { because: c });
    // A dependency that already failed skips a late-comer at once.
    let late = pool
        .submit(NewJob::new(|_: &JobContext| Ok(Output::default())).after([f]))
        .unwrap();
    let seen = until_finished(&mut events, &[late]);
    assert_eq!(outcome_of(&seen, late), &Outcome::Skipped { because: f });
    let unknown = JobId::new();
    assert!(matches!(
        pool.submit(NewJob::new(|_: &JobContext| Ok(Output::default())).after([unknown])),
        Err(EngineError::UnknownDependency { dependency, .. }) if dependency == unknown
    ));
}

#[test]
fn a_panic_is_a_failure_and_the_pool_keeps_its_width() {
    const WIDTH: usize = 4;
    let (pool, mut events) = Pool::new(WIDTH).unwrap();
    let panics: Vec<NewJob> = (0..WIDTH)
        .map(|i| {
            NewJob::new(move |_: &JobContext| -> jobdeck::engine::JobResult {
                panic!("job {i} blew up")
            })
        })
        .collect();
    let panic_ids = pool.submit_all(panics).unwrap();
    let seen = until_finished(&mut events, &panic_ids);
    for (i, id) in panic_ids.iter().enumerate() {
        assert_eq!(
            outcome_of(&seen, *id),
            &Outcome::Failed {
                error: format!("panicked: job {i} blew up"),
                exit_code: None
            }
        );
    }
    // The next 100 jobs: the first WIDTH of them each wait until WIDTH run
    // at once, which only happens if every worker survived.
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let jobs: Vec<NewJob> = (0..100)
        .map(|_| {
            let (running, peak) = (Arc::clone(&running), Arc::clone(&peak));
            NewJob::new(move |_: &JobContext| {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                let deadline = Instant::now() + Duration::from_secs(5);
                while peak.load(Ordering::SeqCst) < WIDTH && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_micros(200));
                }
                running.fetch_sub(1, Ordering::SeqCst);
                Ok(Output::default())
            })
        })
        .collect();
    let ids = pool.submit_all(jobs).unwrap();
    let seen = until_finished(&mut events, &ids);
    assert_eq!(peak.load(Ordering::SeqCst), WIDTH);
    assert_eq!(
        seen.iter()
            .filter(|e| matches!(e.kind, EventKind::Finished(Outcome::Succeeded(_))))
            .count(),
        100
    );
}

#[test]
fn a_flood_of_progress_and_samples_stays_bounded_and_loses_no_ending() {
    const JOBS: usize = 64;
    const REPORTS: u32 = 100_000;
    let (pool, mut events) = Pool::new(8).unwrap();
    let jobs: Vec<NewJob> = (0..JOBS)
        .map(|_| {
            NewJob::new(|ctx: &JobContext| {
                for i in 1..=REPORTS {
                    ctx.progress(i as f32 / REPORTS as f32);
                    ctx.sample("flood", f64::from(i), f64::from(i % 97));
                }
                ctx.log("done");
                Ok(Output::default())
            })
        })
        .collect();
    let ids = pool.submit_all(jobs).unwrap();
    // The consumer reads nothing until every job has ended.
    wait_until("all flood jobs to end", PATIENCE * 3, || {
        let counts = pool.counts();
        counts.running == 0 && counts.queued == 0
    });
    let pending = events.pending_messages();
    // Per job: started, finished, and at most one notice each for progress,
    // samples and log lines - however many reports it made.
    assert!(pending <= JOBS * 5, "{pending} messages pending");
    let seen = until_finished(&mut events, &ids);
    let mut last_progress: HashMap<JobId, f32> = HashMap::new();
    let mut points: HashMap<JobId, usize> = HashMap::new();
    for event in &seen {
        match &event.kind {
            EventKind::Progress(value) => {
                last_progress.insert(event.job, *value);
            }
            EventKind::Samples { points: batch, .. } => {
                *points.entry(event.job).or_default() += batch.len();
            }
            _ => {}
        }
    }
    for id in &ids {
        assert!(matches!(outcome_of(&seen, *id), Outcome::Succeeded(_)));
        assert!(
            (last_progress[id] - 1.0).abs() < f32::EPSILON,
            "the newest progress arrives"
        );
        let kept = points[id];
        assert!(
            kept > 0 && kept <= jobdeck::engine::PENDING_SAMPLES_PER_SERIES,
            "{kept} points kept of {REPORTS}"
        );
    }
}

#[test]
fn events_of_a_job_end_with_its_finished_event() {
    let (pool, mut events) = Pool::new(4).unwrap();
    let ids = pool
        .submit_all(
            (0..20)
                .map(|_| {
                    NewJob::new(|ctx: &JobContext| {
                        for i in 0..1000 {
                            ctx.progress(i as f32 / 1000.0);
                            ctx.sample("s", f64::from(i), 0.0);
                            if i % 100 == 0 {
                                ctx.log(format!("at {i}"));
                            }
                        }
                        Ok(Output::default())
                    })
                })
                .collect(),
        )
        .unwrap();
    let seen = until_finished(&mut events, &ids);
    let mut finished = std::collections::HashSet::new();
    let mut lines: HashMap<JobId, usize> = HashMap::new();
    for event in &seen {
        assert!(
            !finished.contains(&event.job),
            "event after Finished: {event:?}"
        );
        match &event.kind {
            EventKind::Finished(_) => {
                finished.insert(event.job);
            }
            EventKind::Log {
                lines: batch,
                dropped,
            } => {
                assert_eq!(*dropped, 0);
                *lines.entry(event.job).or_default() += batch.len();
            }
            _ => {}
        }
    }
    assert!(
        ids.iter().all(|id| lines[id] == 10),
        "every log line arrives"
    );
}

#[test]
fn stop_all_cancels_queued_and_stops_running() {
    let (pool, mut events) = Pool::new(2).unwrap();
    let running = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(AtomicBool::new(false));
    let ids = pool
        .submit_all((0..6).map(|_| gated(&running, &gate)).collect())
        .unwrap();
    wait_until("two jobs to run", PATIENCE, || {
        running.load(Ordering::SeqCst) == 2
    });
    pool.stop_all();
    let seen = until_finished(&mut events, &ids);
    let count = |kind: OutcomeKind| {
        ids.iter()
            .filter(|id| outcome_of(&seen, **id).kind() == kind)
            .count()
    };
    assert_eq!(count(OutcomeKind::Stopped), 2);
    assert_eq!(count(OutcomeKind::Cancelled), 4);
}

#[test]
fn a_paused_job_holds_at_its_checkpoint() {
    let (pool, mut events) = Pool::new(1).unwrap();
    let steps = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&steps);
    let id = pool
        .submit(NewJob::new(move |ctx: &JobContext| {
            for _ in 0..1_000_000 {
                ctx.checkpoint()?;
                counter.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(Duration::from_micros(100));
            }
            Ok(Output::default())
        }))
        .unwrap();
    wait_until("the job to make progress", PATIENCE, || {
        steps.load(Ordering::SeqCst) > 10
    });
    assert!(pool.set_job_paused(id, true));
    // Once held, the count stops moving: two equal reads 20 ms apart.
    let held = wait_for("the job to hold", PATIENCE, || {
        let before = steps.load(Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(20));
        (steps.load(Ordering::SeqCst) == before).then_some(before)
    });
    assert!(pool.set_job_paused(id, false));
    wait_until("the job to go on", PATIENCE, || {
        steps.load(Ordering::SeqCst) > held
    });
    // A paused job still stops.
    pool.set_job_paused(id, true);
    pool.stop(id);
    let seen = until_finished(&mut events, &[id]);
    assert_eq!(outcome_of(&seen, id), &Outcome::Stopped);
}

#[test]
fn the_waker_tells_a_change_of_state_from_progress() {
    let (pool, mut events) = Pool::new(1).unwrap();
    let wakes = Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = Arc::clone(&wakes);
    assert!(pool.set_waker(move |wake| record.lock().unwrap().push(wake)));
    let id = pool
        .submit(NewJob::new(|ctx: &JobContext| {
            ctx.progress(0.5);
            ctx.sample("walk", 0.0, 1.0);
            ctx.log("half way");
            Ok(Output::default())
        }))
        .unwrap();
    until_finished(&mut events, &[id]);
    // Start and end wake the window at once; the rest may wait a little.
    assert_eq!(
        *wakes.lock().unwrap(),
        [
            Wake::Change,
            Wake::Update,
            Wake::Update,
            Wake::Update,
            Wake::Change
        ]
    );
}
