//! Dependencies between jobs.

use crate::support::*;

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
