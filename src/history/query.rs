//! Reading the history: runs with their counts, a run's jobs, a job's spec.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::records::{JobRecord, JobState, RunEnd, RunId, RunRecord};
use crate::jobspec::JobSpec;

const RUN_COLUMNS: &str =
    "id, file, file_hash, max_threads, version, started_at, ended_at, ended_how, resumed_from";

/// The newest `limit` runs, newest first, with their jobs counted by state.
pub(crate) fn runs(conn: &Connection, limit: usize) -> rusqlite::Result<Vec<RunRecord>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut runs: Vec<RunRecord> = conn
        .prepare_cached(&format!(
            "SELECT {RUN_COLUMNS} FROM runs ORDER BY id DESC LIMIT ?1"
        ))?
        .query_map([limit], run_row)?
        .collect::<Result<_, _>>()?;
    count_jobs(conn, &mut runs)?;
    Ok(runs)
}

/// One run, with its jobs counted.
pub(crate) fn run(conn: &Connection, id: RunId) -> rusqlite::Result<Option<RunRecord>> {
    let run = conn
        .prepare_cached(&format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = ?1"))?
        .query_row([id.0], run_row)
        .optional()?;
    let Some(run) = run else {
        return Ok(None);
    };
    let mut runs = vec![run];
    count_jobs(conn, &mut runs)?;
    Ok(runs.pop())
}

/// The runs of job file `file`, newest first.
pub(crate) fn runs_of_file(conn: &Connection, file: &Path) -> rusqlite::Result<Vec<RunRecord>> {
    let mut runs: Vec<RunRecord> = conn
        .prepare_cached(&format!(
            "SELECT {RUN_COLUMNS} FROM runs WHERE file = ?1 ORDER BY id DESC"
        ))?
        .query_map([file.to_string_lossy()], run_row)?
        .collect::<Result<_, _>>()?;
    count_jobs(conn, &mut runs)?;
    Ok(runs)
}

/// Every job of `run`, in its order.
pub(crate) fn jobs(conn: &Connection, run: RunId) -> rusqlite::Result<Vec<JobRecord>> {
    conn.prepare_cached(
        "SELECT id, uuid, run, seq, name, state, attempt, exit_code, signal, error, output,
         queued_at, started_at, ended_at, worker, log_path, progress, remote_id
         FROM jobs WHERE run = ?1 ORDER BY seq, id",
    )?
    .query_map([run.0], job_row)?
    .collect()
}

/// The spec stored with job row `row`; `None` for no such row. A spec
/// this jobdeck cannot read (written by a newer one) is an error.
pub(crate) fn spec(conn: &Connection, row: i64) -> rusqlite::Result<Option<JobSpec>> {
    let text: Option<String> = conn
        .prepare_cached("SELECT spec FROM jobs WHERE id = ?1")?
        .query_row([row], |row| row.get(0))
        .optional()?;
    text.map(|text| {
        serde_json::from_str(&text).map_err(|error| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, error.into())
        })
    })
    .transpose()
}

/// Counts each run's jobs by state.
fn count_jobs(conn: &Connection, runs: &mut [RunRecord]) -> rusqlite::Result<()> {
    if runs.is_empty() {
        return Ok(());
    }
    let index: HashMap<i64, usize> = runs
        .iter()
        .enumerate()
        .map(|(i, run)| (run.id.0, i))
        .collect();
    let low = runs.iter().map(|run| run.id.0).min().unwrap_or(0);
    let high = runs.iter().map(|run| run.id.0).max().unwrap_or(0);
    let mut statement = conn.prepare_cached(
        "SELECT run, state, COUNT(*) FROM jobs WHERE run BETWEEN ?1 AND ?2 GROUP BY run, state",
    )?;
    let mut rows = statement.query(params![low, high])?;
    while let Some(row) = rows.next()? {
        let run: i64 = row.get(0)?;
        let state: String = row.get(1)?;
        let count: i64 = row.get(2)?;
        let (Some(&i), Some(state)) = (index.get(&run), JobState::parse(&state)) else {
            continue;
        };
        if let Some(slot) = JobState::ALL.iter().position(|&s| s == state) {
            runs[i].counts[slot] += usize::try_from(count).unwrap_or(0);
        }
    }
    Ok(())
}

fn run_row(row: &Row<'_>) -> rusqlite::Result<RunRecord> {
    let ended_how: Option<String> = row.get(7)?;
    let max_threads: i64 = row.get(3)?;
    Ok(RunRecord {
        id: RunId(row.get(0)?),
        file: row.get::<_, Option<String>>(1)?.map(PathBuf::from),
        file_hash: row.get(2)?,
        max_threads: usize::try_from(max_threads).unwrap_or(0),
        version: row.get(4)?,
        started_at: row.get(5)?,
        ended_at: row.get(6)?,
        ended_how: ended_how.as_deref().and_then(RunEnd::parse),
        resumed_from: row.get::<_, Option<i64>>(8)?.map(RunId),
        counts: [0; JobState::ALL.len()],
    })
}

fn job_row(row: &Row<'_>) -> rusqlite::Result<JobRecord> {
    let state: String = row.get(5)?;
    let worker: Option<i64> = row.get(14)?;
    let progress: Option<f64> = row.get(16)?;
    Ok(JobRecord {
        row: row.get(0)?,
        uuid: row.get(1)?,
        run: RunId(row.get(2)?),
        seq: row.get(3)?,
        name: row.get(4)?,
        // A state this jobdeck does not know (a newer one's) reads as
        // interrupted: it is not running here, and did not succeed.
        state: JobState::parse(&state).unwrap_or(JobState::Interrupted),
        attempt: row.get(6)?,
        exit_code: row.get(7)?,
        signal: row.get(8)?,
        error: row.get(9)?,
        output: row.get(10)?,
        queued_at: row.get(11)?,
        started_at: row.get(12)?,
        ended_at: row.get(13)?,
        worker: worker.and_then(|w| usize::try_from(w).ok()),
        log_path: row.get::<_, Option<String>>(15)?.map(PathBuf::from),
        // Stored from an f32, so narrowing gives the value back.
        #[allow(clippy::cast_possible_truncation)]
        progress: progress.map(|p| p as f32),
        remote_id: row.get(17)?,
    })
}
