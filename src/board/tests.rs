// Fractions here are sums of exactly representable values, so they compare
// exactly; a tolerance would hide an off-by-one-job error.
#![allow(clippy::float_cmp)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::*;
use crate::engine::Output;
use crate::jobs::{DemoJob, Steps};
use crate::jobspec::{JobKind, JobSpec};

fn spec(name: &str) -> Arc<JobSpec> {
    Arc::new(JobSpec::new(
        name,
        JobKind::Demo(DemoJob::Steps(Steps::default())),
    ))
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn ev(job: JobId, kind: EventKind) -> Event {
    Event { job, kind }
}

fn started(job: JobId) -> Event {
    ev(
        job,
        EventKind::Started {
            worker: Some(0),
            attempt: 1,
        },
    )
}

fn progress(job: JobId, fraction: f32) -> Event {
    ev(job, EventKind::Progress(fraction))
}

fn finished(job: JobId, outcome: Outcome) -> Event {
    ev(job, EventKind::Finished(outcome))
}

fn board_with(n: usize, t0: Instant) -> (Board, Vec<JobId>) {
    let mut board = Board::new_at(t0);
    let ids: Vec<JobId> = (0..n).map(|_| JobId::new()).collect();
    for (i, &id) in ids.iter().enumerate() {
        board.add_job(id, spec(&format!("job {i}")), t0);
    }
    (board, ids)
}

#[test]
fn events_move_a_job_through_its_lifecycle_and_the_counts_follow() {
    let t0 = Instant::now();
    let (mut board, ids) = board_with(3, t0);
    assert_eq!(board.count(StateClass::Queued), 3);
    board.apply_at(started(ids[0]), t0 + secs(1));
    board.apply_at(started(ids[1]), t0 + secs(1));
    board.apply_at(
        ev(ids[1], EventKind::StopRequested { timed_out: false }),
        t0 + secs(2),
    );
    assert_eq!(board.count(StateClass::Running), 1);
    assert_eq!(board.count(StateClass::Stopping), 1);
    assert_eq!(
        board
            .job(ids[1])
            .unwrap()
            .lifecycle
            .stopping_for(t0 + secs(5)),
        Some(secs(3))
    );
    board.apply_at(
        finished(ids[0], Outcome::Succeeded(Output::text("42"))),
        t0 + secs(4),
    );
    board.apply_at(finished(ids[1], Outcome::Stopped), t0 + secs(4));
    board.apply_at(finished(ids[2], Outcome::Cancelled), t0 + secs(4));
    let first = board.job(ids[0]).unwrap();
    assert_eq!(
        first.lifecycle,
        Lifecycle::Succeeded {
            output: Output::text("42"),
            elapsed: secs(3)
        }
    );
    assert_eq!(first.progress, 1.0);
    assert_eq!(board.count(StateClass::Succeeded), 1);
    assert_eq!(board.count(StateClass::Stopped), 1);
    assert_eq!(board.count(StateClass::Cancelled), 1);
    assert_eq!(board.live_jobs(), 0);
}

#[test]
fn overall_progress_is_the_batch_average_with_ended_jobs_complete() {
    let t0 = Instant::now();
    let (mut board, ids) = board_with(4, t0);
    board.apply_at(started(ids[0]), t0);
    board.apply_at(progress(ids[0], 0.5), t0);
    board.apply_at(started(ids[1]), t0);
    board.apply_at(
        finished(
            ids[1],
            Outcome::Failed {
                error: "boom".into(),
                exit_code: None,
            },
        ),
        t0,
    );
    let overall = board.overall(t0 + secs(1));
    // (0.5 + 1 + 0 + 0) / 4
    assert!((overall.fraction - 0.375).abs() < 1e-6, "{overall:?}");
    assert_eq!((overall.jobs, overall.ended), (4, 1));
}

#[test]
fn a_late_job_and_a_retry_lower_the_bar_to_the_true_mean_and_say_so() {
    let t0 = Instant::now();
    let (mut board, ids) = board_with(2, t0);
    board.apply_at(started(ids[0]), t0);
    board.apply_at(progress(ids[0], 0.75), t0);
    board.apply_at(started(ids[1]), t0);
    board.apply_at(progress(ids[1], 0.25), t0);
    assert_eq!(board.overall(t0).fraction, 0.5);
    assert_eq!(
        board.overall(t0).joined_late,
        0,
        "the first jobs joined no running batch"
    );
    // Two jobs join the running batch: (0.75 + 0.25 + 0 + 0) / 4.
    board.add_job(JobId::new(), spec("late 1"), t0 + secs(1));
    board.add_job(JobId::new(), spec("late 2"), t0 + secs(2));
    let overall = board.overall(t0 + secs(2));
    assert_eq!(overall.fraction, 0.25);
    assert_eq!(overall.joined_late, 2);
    assert_eq!(
        board.overall(t0 + secs(2) + LATE_JOIN_NOTE).joined_late,
        0,
        "the note is brief"
    );
    // A retry starts job 0 over: (0 + 0.25 + 0 + 0) / 4.
    board.apply_at(
        ev(
            ids[0],
            EventKind::Retrying {
                attempt: 1,
                error: "flaky".into(),
            },
        ),
        t0 + secs(3),
    );
    assert_eq!(board.overall(t0 + secs(3)).fraction, 0.0625);
    assert_eq!(board.job(ids[0]).unwrap().progress, 0.0);
}

#[test]
fn a_batch_that_ended_with_stops_says_so_and_not_done() {
    let t0 = Instant::now();
    let (mut board, ids) = board_with(3, t0);
    board.apply_at(started(ids[0]), t0);
    board.apply_at(finished(ids[0], Outcome::Succeeded(Output::text("ok"))), t0);
    assert_eq!(board.overall(t0).ending, None, "still running");
    board.apply_at(started(ids[1]), t0);
    board.apply_at(finished(ids[1], Outcome::Stopped), t0);
    board.apply_at(finished(ids[2], Outcome::Cancelled), t0);
    let overall = board.overall(t0);
    assert_eq!(overall.ending, Some(Ending::Stopped));
    assert_eq!((overall.succeeded, overall.jobs), (1, 3));

    let (mut board, ids) = board_with(2, t0);
    board.apply_at(finished(ids[0], Outcome::Cancelled), t0);
    board.apply_at(
        finished(
            ids[1],
            Outcome::Failed {
                error: "boom".into(),
                exit_code: Some(1),
            },
        ),
        t0,
    );
    assert_eq!(
        board.overall(t0).ending,
        Some(Ending::Failed),
        "a failure wins"
    );

    let (mut board, ids) = board_with(1, t0);
    board.apply_at(finished(ids[0], Outcome::Succeeded(Output::text("ok"))), t0);
    assert_eq!(board.overall(t0).ending, Some(Ending::Succeeded));
}

/// The overall fraction is the mean of the batch's shares (progress while
/// live, 1 once ended, removed rows included) after every event of random
/// sequences: joins, starts, progress up and down, retries, stops, cancels,
/// Stop all, removals, and new batches once one is done.
#[test]
fn the_overall_fraction_is_the_batch_mean_after_every_random_event() {
    for seed in 0..200 {
        let mut rng = fastrand::Rng::with_seed(seed);
        let t0 = Instant::now();
        let mut board = Board::new_at(t0);
        // The model: each member of the current batch and its share.
        let mut shares: Vec<(JobId, f64, bool)> = Vec::new();
        for step in 0..300 {
            let now = t0 + Duration::from_millis(step);
            let live: Vec<usize> = (0..shares.len()).filter(|&i| !shares[i].2).collect();
            let pick = live.get(rng.usize(..live.len().max(1))).copied();
            match (rng.u8(..10), pick) {
                (0 | 1, _) | (_, None) => {
                    if live.is_empty() {
                        // Every job ended: the next one starts a new batch.
                        shares.clear();
                    }
                    let id = JobId::new();
                    board.add_job(id, spec("random"), now);
                    shares.push((id, 0.0, false));
                }
                (2, Some(i)) => {
                    board.apply_at(started(shares[i].0), now);
                    shares[i].1 = 0.0;
                }
                (3 | 4, Some(i)) => {
                    let fraction = rng.f32();
                    board.apply_at(progress(shares[i].0, fraction), now);
                    shares[i].1 = f64::from(fraction);
                }
                (5, Some(i)) => {
                    let retry = EventKind::Retrying {
                        attempt: 1,
                        error: "again".into(),
                    };
                    board.apply_at(ev(shares[i].0, retry), now);
                    shares[i].1 = 0.0;
                }
                (6, Some(i)) => {
                    let outcome = match rng.u8(..4) {
                        0 => Outcome::Succeeded(Output::text("ok")),
                        1 => Outcome::Stopped,
                        2 => Outcome::Cancelled,
                        _ => Outcome::Failed {
                            error: "boom".into(),
                            exit_code: None,
                        },
                    };
                    board.apply_at(finished(shares[i].0, outcome), now);
                    shares[i] = (shares[i].0, 1.0, true);
                }
                (7, Some(_)) => {
                    // Stop all: every live job ends at once.
                    for &i in &live {
                        board.apply_at(finished(shares[i].0, Outcome::Stopped), now);
                        shares[i] = (shares[i].0, 1.0, true);
                    }
                }
                (_, Some(_)) => {
                    // Remove an ended row, if there is one.
                    if let Some(&(id, _, _)) = shares.iter().find(|s| s.2) {
                        board.remove(id);
                    }
                }
            }
            let mean = shares.iter().map(|s| s.1).sum::<f64>() / shares.len().max(1) as f64;
            let overall = board.overall(now);
            assert_eq!(overall.jobs, shares.len(), "seed {seed} step {step}");
            assert!(
                (f64::from(overall.fraction) - mean).abs() < 1e-5,
                "seed {seed} step {step}: shown {} but the mean is {mean}",
                overall.fraction
            );
        }
    }
}

#[test]
fn a_done_batch_shows_full_until_a_new_job_starts_a_new_batch() {
    let t0 = Instant::now();
    let (mut board, ids) = board_with(2, t0);
    for &id in &ids {
        board.apply_at(started(id), t0);
        board.apply_at(finished(id, Outcome::Stopped), t0 + secs(2));
    }
    let done = board.overall(t0 + secs(10));
    assert_eq!(done.fraction, 1.0);
    assert!(done.is_done());
    assert_eq!(done.elapsed, secs(2), "the clock stops when the batch ends");
    assert_eq!(done.jobs_per_sec, 1.0);

    let fresh = JobId::new();
    board.add_job(fresh, spec("next"), t0 + secs(20));
    let overall = board.overall(t0 + secs(20));
    assert_eq!((overall.fraction, overall.jobs, overall.ended), (0.0, 1, 0));
    board.apply_at(started(fresh), t0 + secs(20));
    board.apply_at(progress(fresh, 0.25), t0 + secs(21));
    assert_eq!(board.overall(t0 + secs(21)).fraction, 0.25);
}

#[test]
fn the_eta_extrapolates_the_time_per_unit_of_progress() {
    let t0 = Instant::now();
    let (mut board, ids) = board_with(2, t0);
    assert_eq!(board.overall(t0).eta, None, "no progress, no estimate");
    board.apply_at(started(ids[0]), t0);
    board.apply_at(finished(ids[0], Outcome::Stopped), t0 + secs(10));
    // Half done in 10 s: 10 s to go.
    let eta = board.overall(t0 + secs(10)).eta.unwrap();
    assert!((eta.as_secs_f64() - 10.0).abs() < 1e-6, "{eta:?}");
    board.apply_at(progress(ids[1], 0.5), t0 + secs(15));
    // Three quarters done in 15 s: 5 s to go.
    let eta = board.overall(t0 + secs(15)).eta.unwrap();
    assert!((eta.as_secs_f64() - 5.0).abs() < 1e-6, "{eta:?}");
}

#[test]
fn samples_and_logs_land_in_their_job() {
    let t0 = Instant::now();
    let (mut board, ids) = board_with(1, t0);
    let walk: Arc<str> = Arc::from("walk");
    for chunk in 0..3 {
        let points = (0..10).map(|i| [f64::from(chunk * 10 + i), 1.0]).collect();
        board.apply_at(
            ev(
                ids[0],
                EventKind::Samples {
                    series: Arc::clone(&walk),
                    points,
                },
            ),
            t0,
        );
    }
    board.apply_at(
        ev(
            ids[0],
            EventKind::Log {
                lines: vec!["hello".into()],
                dropped: 2,
            },
        ),
        t0,
    );
    let job = board.job(ids[0]).unwrap();
    assert_eq!(job.series.len(), 1);
    assert_eq!(job.series[0].len(), 30);
    assert_eq!(job.log.lines().collect::<Vec<_>>(), ["hello"]);
    assert_eq!(job.log.dropped(), 2);
}

#[test]
fn only_ended_jobs_can_be_removed_and_the_rest_keep_their_place() {
    let t0 = Instant::now();
    let (mut board, ids) = board_with(3, t0);
    assert!(!board.remove(ids[0]), "a queued job stays");
    board.apply_at(finished(ids[0], Outcome::Cancelled), t0);
    assert!(board.remove(ids[0]));
    assert!(board.job(ids[0]).is_none());
    assert_eq!(board.jobs().len(), 2);
    assert_eq!(board.job(ids[2]).unwrap().name(), "job 2");
    assert_eq!(board.count(StateClass::Cancelled), 0);
    // Late events of a removed job are ignored.
    board.apply_at(progress(ids[0], 0.5), t0);
    assert_eq!(board.jobs().len(), 2);
}

#[test]
fn a_remote_job_keeps_its_newest_placement_until_a_retry_starts() {
    let t0 = Instant::now();
    let (mut board, ids) = board_with(1, t0);
    let placed = |state: &str| {
        ev(
            ids[0],
            EventKind::Placed(crate::engine::Placement {
                executor: "Slurm".into(),
                remote_id: Some("41".into()),
                state: state.into(),
                detail: String::new(),
            }),
        )
    };
    board.apply_at(started(ids[0]), t0);
    board.apply_at(placed("PENDING"), t0);
    board.apply_at(placed("RUNNING"), t0);
    let job = board.job(ids[0]).unwrap();
    assert_eq!(job.placement.as_ref().unwrap().state, "RUNNING");
    assert_eq!(
        job.lifecycle.class(),
        StateClass::Running,
        "a place is no state"
    );
    board.apply_at(
        ev(
            ids[0],
            EventKind::Retrying {
                attempt: 1,
                error: "exited with code 1".into(),
            },
        ),
        t0,
    );
    assert!(
        board.job(ids[0]).unwrap().placement.is_some(),
        "where it failed"
    );
    board.apply_at(started(ids[0]), t0);
    assert_eq!(board.job(ids[0]).unwrap().placement, None, "not placed yet");
}

fn started_on(job: JobId, worker: usize, attempt: u32) -> Event {
    ev(
        job,
        EventKind::Started {
            worker: Some(worker),
            attempt,
        },
    )
}

#[test]
fn each_worker_keeps_a_timeline_of_the_attempts_it_ran_after_rows_are_removed() {
    let t0 = Instant::now();
    let (mut board, ids) = board_with(3, t0);
    board.apply_at(started_on(ids[0], 1, 1), t0);
    board.apply_at(started_on(ids[1], 0, 1), t0);
    board.apply_at(
        ev(
            ids[0],
            EventKind::Retrying {
                attempt: 1,
                error: "flaky".into(),
            },
        ),
        t0 + secs(1),
    );
    board.apply_at(started_on(ids[0], 1, 2), t0 + secs(2));
    board.apply_at(
        finished(ids[0], Outcome::Succeeded(Output::text("ok"))),
        t0 + secs(4),
    );
    board.apply_at(finished(ids[1], Outcome::Stopped), t0 + secs(4));
    board.apply_at(started_on(ids[2], 0, 1), t0 + secs(4));
    assert!(board.remove(ids[0]));

    let lanes = board.workers().lanes();
    assert_eq!(lanes.len(), 2);
    let second_lane: Vec<(JobId, u32, StateClass)> = lanes[1]
        .spans()
        .map(|span| (span.job, span.attempt, span.class()))
        .collect();
    assert_eq!(
        second_lane,
        [
            (ids[0], 1, StateClass::Failed),
            (ids[0], 2, StateClass::Succeeded)
        ],
        "a retried attempt ends as failed, and the lane outlives the row"
    );
    assert_eq!(&lanes[1].spans().last().unwrap().spec.name, "job 0");
    assert_eq!(lanes[0].current().map(|span| span.job), Some(ids[2]));
    assert_eq!(
        board.job(ids[1]).unwrap().worker,
        Some(0),
        "kept after the end"
    );
    // Worker 1 was busy 1 s of 0..2 s and all of 2..4 s.
    let busy = lanes[1].busy_fractions(t0, t0 + secs(4), 2);
    assert_eq!(busy, [0.5, 1.0]);
    assert_eq!(lanes[1].utilisation(t0 + secs(3), t0 + secs(5)), 0.5);
    assert_eq!(lanes[1].spans_since(t0 + secs(3), t0 + secs(5)).count(), 1);
}

#[test]
fn a_lane_keeps_its_newest_spans_only() {
    let t0 = Instant::now();
    let n = SPANS_KEPT_PER_WORKER + 10;
    let (mut board, ids) = board_with(n, t0);
    for &id in &ids {
        board.apply_at(started_on(id, 0, 1), t0);
        board.apply_at(finished(id, Outcome::Succeeded(Output::text("ok"))), t0);
    }
    let lane = &board.workers().lanes()[0];
    assert_eq!(lane.spans().len(), SPANS_KEPT_PER_WORKER);
    assert_eq!(lane.spans().last().unwrap().job, ids[n - 1]);
}
