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
fn the_bar_never_moves_backwards_while_a_batch_runs() {
    let t0 = Instant::now();
    let (mut board, ids) = board_with(2, t0);
    let mut last = 0.0;
    let mut check = |board: &Board| {
        let fraction = board.overall(t0).fraction;
        assert!(fraction >= last, "went back from {last} to {fraction}");
        last = fraction;
    };
    board.apply_at(started(ids[0]), t0);
    board.apply_at(progress(ids[0], 0.8), t0);
    check(&board);
    // A retry starts the job over, and a late job joins: neither lowers the bar.
    board.apply_at(
        ev(
            ids[0],
            EventKind::Retrying {
                attempt: 1,
                error: "flaky".into(),
            },
        ),
        t0,
    );
    board.apply_at(progress(ids[0], 0.1), t0);
    check(&board);
    board.add_job(JobId::new(), spec("late"), t0);
    check(&board);
    board.apply_at(progress(ids[1], 0.3), t0);
    check(&board);
    assert_eq!(board.job(ids[0]).unwrap().progress, 0.1);
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
