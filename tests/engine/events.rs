//! What the consumer receives: bounded, complete, in order.

use crate::support::*;

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

/// Finding 4 of issue 14: a job's unread log is bounded in bytes, not lines.
#[test]
fn unread_log_lines_are_bounded_in_bytes_and_drops_are_counted() {
    const LINES: usize = 200;
    const BYTES: usize = 64 * 1024;
    let (pool, mut events) = Pool::new(1).unwrap();
    let id = pool
        .submit(NewJob::new(|ctx: &JobContext| {
            for i in 0..LINES {
                ctx.log(format!("{i} {}", "x".repeat(BYTES)));
            }
            Ok(Output::default())
        }))
        .unwrap();
    // The consumer reads nothing until the job has ended.
    wait_until("the job to end", PATIENCE, || {
        pool.state(id) == Some(JobState::Ended(OutcomeKind::Succeeded))
    });
    let seen = until_finished(&mut events, &[id]);
    let (mut kept, mut bytes, mut dropped) = (0, 0, 0);
    for event in &seen {
        if let EventKind::Log { lines, dropped: d } = &event.kind {
            kept += lines.len();
            bytes += lines
                .iter()
                .map(jobdeck::engine::LogLine::heap_bytes)
                .sum::<usize>();
            dropped += *d;
        }
    }
    assert!(
        bytes <= jobdeck::engine::PENDING_LOG_BYTES_PER_JOB,
        "{bytes} bytes held"
    );
    assert!(kept > 0 && dropped > 0);
    assert_eq!(kept + usize::try_from(dropped).unwrap(), LINES);
}

/// Finding 10 of issue 14: a job's plot series are bounded, and its log
/// says so once.
#[test]
fn samples_to_series_past_the_bound_are_dropped_and_said_once() {
    let bound = jobdeck::engine::MAX_SERIES_PER_JOB;
    let (pool, mut events) = Pool::new(1).unwrap();
    let id = pool
        .submit(NewJob::new(move |ctx: &JobContext| {
            for i in 0..bound + 100 {
                ctx.sample(&format!("series {i}"), 0.0, 1.0);
            }
            Ok(Output::default())
        }))
        .unwrap();
    let seen = until_finished(&mut events, &[id]);
    let series: HashSet<String> = seen
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Samples { series, .. } => Some(series.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(series.len(), bound);
    let notes: Vec<String> = seen
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Log { lines, .. } => Some(lines.iter().map(|l| l.text.clone())),
            _ => None,
        })
        .flatten()
        .filter(|text| text.contains("samples dropped"))
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].contains("100 samples dropped"), "{}", notes[0]);
}
