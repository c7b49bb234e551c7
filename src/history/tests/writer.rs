//! How the journal and its writer record: what a submission leaves in the
//! store, the writer's priority, and the updates a batch makes.

use super::*;
use crate::engine::ProcessInfo;
use crate::history::writer::{Ended, Queued};

/// The journal holds writes back until a flush; a submission ends with
/// one, so what is asked of the history right after (here a sync) finds
/// every submitted job written, before any event was drained.
#[test]
fn submitted_jobs_are_in_the_store_before_the_first_drain() {
    let dir = tempfile::tempdir().unwrap();
    let mut history = History::open(dir.path(), Retention::default());
    let mut session = session(&history, dir.path());
    let run = history.begin_run(NewRun::default()).unwrap();
    session
        .submit(plan((0..5).map(|i| steps(&format!("s{i}"))).collect()))
        .unwrap();
    history.sync();
    assert_eq!(history.jobs(run).unwrap().len(), 5);
    run_to_end(&mut session);
}

/// The writer takes only what the pool leaves of the cores.
#[test]
fn the_writer_thread_runs_at_the_lowest_priority() {
    let dir = tempfile::tempdir().unwrap();
    let history = History::open(dir.path(), Retention::default());
    history.sync();
    // Other tests' writers may be starting alongside: this one has set its
    // priority (the sync went through it), so one writer at least is at 19.
    let writer_nices: Vec<i64> = std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|task| {
            let task = task.ok()?.path();
            let comm = std::fs::read_to_string(task.join("comm")).ok()?;
            if comm.trim() != "jobdeck-history" {
                return None;
            }
            let stat = std::fs::read_to_string(task.join("stat")).ok()?;
            // Nice is the 19th field of the line, the 17th after the
            // command's closing parenthesis.
            let after = stat.rsplit_once(')')?.1;
            after.split_whitespace().nth(16)?.parse().ok()
        })
        .collect();
    assert!(
        writer_nices.contains(&19),
        "writers' nice values: {writer_nices:?}"
    );
}

/// Jobs queued in an earlier batch (a plan submitted at once) that start
/// and end within one batch: the row is updated once per attempt, and ends
/// as the writes one by one would leave it, a retry's error included.
#[test]
fn an_attempt_that_starts_and_ends_in_one_batch_updates_its_row_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut history = History::open(dir.path(), Retention::default());
    let run: RunId = history.begin_run(NewRun::default()).unwrap();
    let job = JobId::new();
    history.send(Write::Queued(Box::new(Queued {
        job,
        run,
        seq: 1,
        spec: Arc::new(steps("a")),
        at: 1.0,
        log_path: None,
    })));
    history.sync();
    // Another connection counts the writer's updates of job rows.
    let counter = Connection::open(dir.path().join("history.sqlite3")).unwrap();
    counter
        .execute_batch(
            "CREATE TABLE updates (row INTEGER);
             CREATE TRIGGER count_updates AFTER UPDATE ON jobs
             BEGIN INSERT INTO updates VALUES (new.id); END;",
        )
        .unwrap();
    let process = ProcessInfo {
        pid: 42,
        pgid: 42,
        start_ticks: Some(7),
    };
    let started = |attempt, at| Write::Started {
        job,
        attempt,
        worker: Some(1),
        at,
    };
    history.send(Write::Batch(vec![
        started(1, 2.0),
        Write::Process { job, process },
        Write::Retrying {
            job,
            error: "exited with code 1".to_owned(),
        },
        started(2, 3.0),
        Write::Process { job, process },
        Write::Ended(Box::new(Ended {
            job,
            state: JobState::Succeeded,
            exit_code: Some(0),
            signal: None,
            error: None,
            output: Some("done".to_owned()),
            at: 4.0,
            progress: Some(1.0),
        })),
    ]));
    history.sync();

    let updates: i64 = counter
        .query_row("SELECT COUNT(*) FROM updates", [], |row| row.get(0))
        .unwrap();
    // The first attempt's start, its retry, the second attempt whole.
    assert_eq!(updates, 3);
    let row = &history.jobs(run).unwrap()[0];
    assert_eq!(
        (
            row.state,
            row.attempt,
            row.worker,
            row.started_at,
            row.ended_at
        ),
        (JobState::Succeeded, 2, Some(1), Some(3.0), Some(4.0))
    );
    assert_eq!(
        (row.exit_code, row.output.as_deref(), row.progress),
        (Some(0), Some("done"), Some(1.0))
    );
    assert_eq!(row.error.as_deref(), Some("exited with code 1"));
    let pid: Option<i64> = counter
        .query_row("SELECT pid FROM jobs WHERE id = ?1", [row.row], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(pid, Some(42));
}
