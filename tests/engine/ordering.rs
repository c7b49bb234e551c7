//! Causes before effects (finding 12 of issue 14): a consumer sees a job's
//! `Finished` before the `Started` of any job that waited for it, whichever
//! way each job went through the pool.

use crate::support::*;

/// Checks that every dependent started only after each of its dependencies
/// finished, in the order the events arrived.
fn assert_causes_first(seen: &[Event], after: &HashMap<JobId, Vec<JobId>>) {
    let mut finished = HashSet::new();
    for event in seen {
        match &event.kind {
            EventKind::Started { .. } => {
                for dep in after.get(&event.job).into_iter().flatten() {
                    assert!(
                        finished.contains(dep),
                        "{:?} started before its dependency {dep:?} finished",
                        event.job
                    );
                }
            }
            EventKind::Finished(_) => {
                finished.insert(event.job);
            }
            _ => {}
        }
    }
}

#[test]
fn a_dependency_finishes_before_its_dependent_starts() {
    let rounds = if cfg!(miri) { 20 } else { 3000 };
    let (pool, mut events) = Pool::new(4).unwrap();
    let mut after = HashMap::new();
    let mut ids = Vec::new();
    for round in 0..rounds {
        // An express job, or one with options; the job that waits for it is
        // submitted the moment the pool records its end, when the end's
        // event may still be on its way.
        let first = if round % 2 == 0 {
            NewJob::new(|_: &JobContext| Ok(Output::default()))
        } else {
            NewJob::new(|_: &JobContext| Ok(Output::default())).priority(1)
        };
        let first = pool.submit(first).unwrap();
        while !matches!(pool.state(first), Some(JobState::Ended(_))) {
            std::hint::spin_loop();
        }
        let dependent = pool
            .submit(NewJob::new(|_: &JobContext| Ok(Output::default())).after([first]))
            .unwrap();
        after.insert(dependent, vec![first]);
        ids.extend([first, dependent]);
    }
    let seen = until_finished(&mut events, &ids);
    assert_causes_first(&seen, &after);
}

#[test]
fn a_batch_with_dependencies_starts_nothing_before_its_causes_end() {
    let (pool, mut events) = Pool::new(3).unwrap();
    let mut rng = fastrand::Rng::with_seed(12);
    let mut jobs: Vec<NewJob> = Vec::new();
    let mut after = HashMap::new();
    for index in 0..300 {
        let mut job = NewJob::new(|_: &JobContext| Ok(Output::default()));
        if index > 0 && rng.bool() {
            let deps: Vec<JobId> = (0..rng.usize(1..=3))
                .map(|_| jobs[rng.usize(0..index)].id())
                .collect();
            after.insert(job.id(), deps.clone());
            job = job.after(deps);
        }
        jobs.push(job);
    }
    let ids = pool.submit_all(jobs).unwrap();
    let seen = until_finished(&mut events, &ids);
    assert_causes_first(&seen, &after);
}
