// Test data: pids, page counts and start times are far from any limit.
#![allow(
    clippy::cast_possible_wrap,
    clippy::cast_sign_loss,
    clippy::similar_names,
    clippy::type_complexity
)]

use std::collections::HashMap;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rusqlite::{Connection, params};

use super::*;
use crate::jobs::{DemoJob, Steps};
use crate::jobspec::{BuildContext, CommandSpec, JobKind, Plan, PlannedJob, Program};
use crate::session::Session;

fn steps(name: &str) -> JobSpec {
    JobSpec::new(
        name,
        JobKind::Demo(DemoJob::Steps(Steps {
            steps: 2,
            delay_ms: 1,
        })),
    )
}

fn shell(name: &str, script: &str) -> JobSpec {
    JobSpec::new(
        name,
        JobKind::Command(CommandSpec::new(Program::Shell(script.to_owned()))),
    )
}

fn plan(specs: Vec<JobSpec>) -> Plan {
    Plan {
        jobs: specs
            .into_iter()
            .map(|spec| PlannedJob::new(JobId::new(), Arc::new(spec), Vec::new()))
            .collect(),
        barriers: Vec::new(),
    }
}

/// A session recording into `history`, with command logs under `logs`.
fn session(history: &History, logs: &Path) -> Session {
    let context = BuildContext {
        log_dir: Some(logs.to_path_buf()),
        ..BuildContext::default()
    };
    let mut session = Session::new(2, context).unwrap();
    session.add_sink(Box::new(history.journal().expect("history is open")));
    session
}

fn run_to_end(session: &mut Session) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while session.board().live_jobs() > 0 {
        assert!(Instant::now() < deadline, "jobs did not end");
        session
            .wait(Duration::from_millis(20), Duration::from_millis(20))
            .unwrap();
    }
}

#[test]
fn a_session_s_jobs_are_recorded_with_their_outcomes() {
    let dir = tempfile::tempdir().unwrap();
    let mut history = History::open(dir.path(), Retention::default());
    assert_eq!(history.problem(), None);
    let mut session = session(&history, dir.path());
    let run = history
        .begin_run(NewRun {
            file: Some("/jobs.toml".into()),
            file_hash: Some(content_hash(b"x")),
            max_threads: 2,
            resumed_from: None,
        })
        .unwrap();
    let plan = plan(vec![
        steps("ok"),
        shell("three", "echo out; exit 3"),
        shell("killed", "kill -9 $$"),
    ]);
    let numbers: Vec<(JobId, u32)> = plan.jobs.iter().map(|j| j.id).zip([5, 6, 7]).collect();
    let three = plan.jobs[1].id;
    history.number(numbers);
    session.submit(plan).unwrap();
    run_to_end(&mut session);
    history.sync();

    let jobs = history.jobs(run).unwrap();
    let summary: Vec<(u32, &str, JobState, Option<i32>, Option<i32>)> = jobs
        .iter()
        .map(|j| (j.seq, j.name.as_str(), j.state, j.exit_code, j.signal))
        .collect();
    assert_eq!(
        summary,
        [
            (5, "ok", JobState::Succeeded, None, None),
            (6, "three", JobState::Failed, Some(3), None),
            (7, "killed", JobState::Failed, None, Some(9)),
        ]
    );
    let three_row = &jobs[1];
    assert_eq!(three_row.uuid, three.to_string());
    assert_eq!(three_row.attempt, 1);
    assert_eq!(three_row.error.as_deref(), Some("exited with code 3"));
    assert_eq!(
        three_row.log_path.as_deref(),
        Some(dir.path().join(format!("{three}.log")).as_path())
    );
    assert!(three_row.started_at.unwrap() >= three_row.queued_at);
    assert!(three_row.ended_at.unwrap() >= three_row.started_at.unwrap());
    assert_eq!(jobs[0].output.as_deref(), Some("2 steps done"));
    // The command's process was recorded, with its start time.
    let conn = Connection::open(history.path()).unwrap();
    let (pid, pgid, start): (Option<i64>, Option<i64>, Option<i64>) = conn
        .query_row(
            "SELECT pid, pgid, process_start FROM jobs WHERE uuid = ?1",
            [three.to_string()],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .unwrap();
    assert!(
        pid.is_some() && pid == pgid && start.is_some(),
        "{pid:?} {pgid:?} {start:?}"
    );
    // The run ended by itself when its last job did.
    let record = history.run(run).unwrap().unwrap();
    assert_eq!(record.ended_how, Some(RunEnd::Finished));
    assert_eq!(record.count(JobState::Failed), 2);
    assert_eq!(record.failures(), 2);
}

#[test]
fn a_retry_is_recorded_in_its_originals_run_with_its_number() {
    let dir = tempfile::tempdir().unwrap();
    let mut history = History::open(dir.path(), Retention::default());
    let mut session = session(&history, dir.path());
    let run = history.begin_run(NewRun::default()).unwrap();
    let plan = plan(vec![shell("flaky", "exit 1"), steps("other")]);
    let first = plan.jobs[0].id;
    session.submit(plan).unwrap();
    run_to_end(&mut session);
    history.use_run(None);
    assert!(history.retry_next(first));
    let second = session.retry(first).unwrap().unwrap();
    run_to_end(&mut session);
    history.sync();
    let jobs = history.jobs(run).unwrap();
    let rows: Vec<(u32, String, JobState)> = jobs
        .iter()
        .map(|j| (j.seq, j.uuid.clone(), j.state))
        .collect();
    assert_eq!(
        rows,
        [
            (1, first.to_string(), JobState::Failed),
            (1, second.to_string(), JobState::Failed),
            (2, jobs[2].uuid.clone(), JobState::Succeeded),
        ]
    );
}

/// The first schema, as jobdeck 0.1 wrote it: kept here as text so that a
/// change to the migrations cannot change what "version 1" means.
const SCHEMA_V1: &str = "
    CREATE TABLE runs (id INTEGER PRIMARY KEY, file TEXT, file_hash TEXT,
        max_threads INTEGER NOT NULL, version TEXT NOT NULL, started_at REAL NOT NULL,
        ended_at REAL, ended_how TEXT);
    CREATE TABLE jobs (id INTEGER PRIMARY KEY, uuid TEXT NOT NULL,
        run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, seq INTEGER NOT NULL,
        name TEXT NOT NULL, spec TEXT NOT NULL, state TEXT NOT NULL,
        attempt INTEGER NOT NULL DEFAULT 0, exit_code INTEGER, signal INTEGER, error TEXT,
        output TEXT, queued_at REAL NOT NULL, started_at REAL, ended_at REAL, worker INTEGER,
        log_path TEXT);
    CREATE INDEX jobs_by_run ON jobs(run, seq);
    PRAGMA user_version = 1;";

#[test]
fn a_version_1_database_migrates_and_keeps_its_runs() {
    let dir = tempfile::tempdir().unwrap();
    {
        let conn = Connection::open(dir.path().join(FILE_NAME)).unwrap();
        conn.execute_batch(SCHEMA_V1).unwrap();
        conn.execute(
            "INSERT INTO runs VALUES (1, '/old.toml', 'abc', 4, '0.1.0', 100.0, 160.0, 'finished')",
            [],
        )
        .unwrap();
        let spec = serde_json::to_string(&shell("old job", "exit 2")).unwrap();
        conn.execute(
            "INSERT INTO jobs (uuid, run, seq, name, spec, state, attempt, exit_code, queued_at,
             started_at, ended_at) VALUES (?1, 1, 1, 'old job', ?2, 'failed', 1, 2, 100.0, 101.0, 103.5)",
            params![JobId::new().to_string(), spec],
        )
        .unwrap();
    }
    let mut history = History::open(dir.path(), Retention::default());
    assert_eq!(history.problem(), None);
    let conn = Connection::open(history.path()).unwrap();
    assert_eq!(schema::version(&conn).unwrap(), SCHEMA_VERSION);
    let runs = history.runs(10).unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].file.as_deref(), Some(Path::new("/old.toml")));
    assert_eq!(runs[0].count(JobState::Failed), 1);
    let jobs = history.jobs(RunId(1)).unwrap();
    assert_eq!(jobs[0].runtime_secs(), Some(2.5));
    assert_eq!(history.spec(jobs[0].row).unwrap().unwrap().name, "old job");
    // The columns version 2 added are there to be written.
    let run = history.begin_run(NewRun::default()).unwrap();
    assert_eq!(run, RunId(2));
    history.sync();
    let owner: Option<i64> = conn
        .query_row("SELECT owner_pid FROM runs WHERE id = 2", [], |row| {
            row.get(0)
        })
        .unwrap();
    assert_eq!(owner, Some(i64::from(std::process::id())));
}

/// Version 2 on top of [`SCHEMA_V1`], as jobdeck wrote it before cluster
/// jobs' remote ids were kept.
const SCHEMA_V2_STEP: &str = "
    ALTER TABLE runs ADD COLUMN owner_pid INTEGER;
    ALTER TABLE runs ADD COLUMN owner_start INTEGER;
    ALTER TABLE runs ADD COLUMN resumed_from INTEGER;
    ALTER TABLE jobs ADD COLUMN pid INTEGER;
    ALTER TABLE jobs ADD COLUMN pgid INTEGER;
    ALTER TABLE jobs ADD COLUMN process_start INTEGER;
    ALTER TABLE jobs ADD COLUMN progress REAL;
    CREATE INDEX runs_by_file ON runs(file, id);
    PRAGMA user_version = 2;";

#[test]
fn a_version_2_database_gains_the_remote_id_column_and_keeps_its_jobs() {
    let dir = tempfile::tempdir().unwrap();
    {
        let conn = Connection::open(dir.path().join(FILE_NAME)).unwrap();
        conn.execute_batch(SCHEMA_V1).unwrap();
        conn.execute_batch(SCHEMA_V2_STEP).unwrap();
        conn.execute(
            "INSERT INTO runs VALUES (1, '/old.toml', 'abc', 4, '0.1.0', 100.0, 160.0, 'finished',
             NULL, NULL, NULL)",
            [],
        )
        .unwrap();
        let spec = serde_json::to_string(&shell("old job", "true")).unwrap();
        conn.execute(
            "INSERT INTO jobs (uuid, run, seq, name, spec, state, attempt, queued_at, pid)
             VALUES (?1, 1, 1, 'old job', ?2, 'succeeded', 1, 100.0, 42)",
            params![JobId::new().to_string(), spec],
        )
        .unwrap();
    }
    let history = History::open(dir.path(), Retention::default());
    assert_eq!(history.problem(), None);
    let conn = Connection::open(history.path()).unwrap();
    assert_eq!(schema::version(&conn).unwrap(), SCHEMA_VERSION);
    let jobs = history.jobs(RunId(1)).unwrap();
    assert_eq!(jobs[0].name, "old job");
    assert_eq!(jobs[0].remote_id, None);
    conn.execute(
        "UPDATE jobs SET remote_id = '12' WHERE id = ?1",
        [jobs[0].row],
    )
    .unwrap();
    assert_eq!(
        history.jobs(RunId(1)).unwrap()[0].remote_id.as_deref(),
        Some("12")
    );
}

#[test]
fn a_damaged_database_is_moved_aside_and_a_new_one_started() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = b"this is not a database, whatever its name says".repeat(100);
    std::fs::write(dir.path().join(FILE_NAME), &garbage).unwrap();
    let mut history = History::open(dir.path(), Retention::default());
    assert_eq!(history.problem(), None);
    let notices = history.take_notices();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(notices[0].contains("moved aside"), "{notices:?}");
    let aside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("history.sqlite3.corrupt-")
        })
        .collect();
    assert_eq!(aside.len(), 1);
    assert_eq!(std::fs::read(aside[0].path()).unwrap(), garbage);
    assert!(notices[0].contains(&*aside[0].file_name().to_string_lossy()));
    assert!(history.begin_run(NewRun::default()).is_some());
}

#[test]
fn a_folder_that_cannot_be_written_leaves_a_history_that_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let not_a_folder = dir.path().join("file");
    std::fs::write(&not_a_folder, "x").unwrap();
    let mut history = History::open(&not_a_folder, Retention::default());
    let problem = history.problem().expect("a problem");
    assert!(
        problem.starts_with("history is not being saved: cannot use"),
        "{problem}"
    );
    assert!(history.journal().is_none());
    assert!(history.begin_run(NewRun::default()).is_none());
    assert!(history.runs(1).is_err());
}

#[test]
fn a_newer_schema_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE_NAME);
    Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE future (x); PRAGMA user_version = 99;")
        .unwrap();
    let history = History::open(dir.path(), Retention::default());
    let problem = history.problem().expect("a problem");
    assert!(problem.contains("newer jobdeck (schema 99"), "{problem}");
    drop(history);
    let conn = Connection::open(&path).unwrap();
    assert_eq!(schema::version(&conn).unwrap(), 99);
}

#[test]
fn a_full_disk_stops_the_recording_not_the_jobs_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let mut history = History::open(dir.path(), Retention::default());
    history.limit_pages_for_tests(history_pages(&history) + 2);
    let mut session = session(&history, dir.path());
    history.begin_run(NewRun::default()).unwrap();
    let specs = (0..2_000).map(|i| steps(&format!("job {i} {}", "x".repeat(200))));
    session.submit(plan(specs.collect())).unwrap();
    run_to_end(&mut session);
    history.sync();
    assert_eq!(
        session.board().count(crate::board::StateClass::Succeeded),
        2_000
    );
    let problem = history.problem().expect("the writer says it failed");
    assert_eq!(problem, "history is not being saved: the disk is full");
}

fn history_pages(history: &History) -> u64 {
    let conn = Connection::open(history.path()).unwrap();
    let pages: i64 = conn
        .query_row("PRAGMA page_count", [], |row| row.get(0))
        .unwrap();
    pages as u64
}

#[test]
fn pruning_keeps_the_newest_runs() {
    let dir = tempfile::tempdir().unwrap();
    let mut history = History::open(dir.path(), Retention::default());
    for _ in 0..5 {
        let run = history.begin_run(NewRun::default()).unwrap();
        history.end_run(run, RunEnd::Finished);
    }
    assert_eq!(history.prune(Retention::Runs(2)).unwrap(), 3);
    let ids: Vec<i64> = history.runs(10).unwrap().iter().map(|r| r.id.0).collect();
    assert_eq!(ids, [5, 4]);
    assert_eq!(history.clear(vec![RunId(5)]).unwrap(), 1);
    assert_eq!(history.runs(10).unwrap().len(), 1);
    drop(history);
    let history = History::open(dir.path(), Retention::Runs(0));
    assert!(history.runs(10).unwrap().is_empty());
}

mod recovery;
mod writer;
