//! Attempts started in the batch being written, of jobs whose rows exist
//! already. A plan submitted at once is inserted in the first batches, so
//! its jobs' starts and ends arrive later, often in the same batch: the
//! start (and the process that follows it) is held here, and an end in the
//! same batch updates the row once instead of two or three times. Any other
//! write about the job writes what is held first, so the row goes through
//! the same states as it would write by write.

use rusqlite::{Transaction, params};

use super::writer::{Ended, Write};
use crate::engine::{JobId, JobIdMap, ProcessInfo};

/// A started attempt not written yet.
pub(crate) struct Start {
    pub(crate) attempt: u32,
    pub(crate) worker: Option<usize>,
    pub(crate) at: f64,
    pub(crate) process: Option<ProcessInfo>,
}

/// The batch's held starts.
#[derive(Default)]
pub(crate) struct Starts {
    held: JobIdMap<Start>,
}

impl Starts {
    /// Holds `write` if it starts an attempt of a job with a row in `rows`
    /// or adds to a held start; writes an attempt that ends here in one
    /// update. Hands back any other write, to be applied after what was
    /// held of its job.
    pub(crate) fn absorb(
        &mut self,
        tx: &Transaction<'_>,
        rows: &mut JobIdMap<i64>,
        write: Write,
    ) -> rusqlite::Result<Option<Write>> {
        match write {
            Write::Started {
                job,
                attempt,
                worker,
                at,
            } if rows.contains_key(&job) => {
                self.write_held(tx, rows, job)?;
                self.held.insert(
                    job,
                    Start {
                        attempt,
                        worker,
                        at,
                        process: None,
                    },
                );
                Ok(None)
            }
            Write::Process { job, process } => match self.held.get_mut(&job) {
                Some(start) => {
                    start.process = Some(process);
                    Ok(None)
                }
                None => Ok(Some(Write::Process { job, process })),
            },
            Write::Ended(ended) => match self.held.remove(&ended.job) {
                Some(start) => {
                    if let Some(row) = rows.remove(&ended.job) {
                        write_end(tx, row, Some(&start), &ended)?;
                    }
                    Ok(None)
                }
                None => Ok(Some(Write::Ended(ended))),
            },
            Write::Placed { job, .. }
            | Write::Retrying { job, .. }
            | Write::Progress { job, .. } => {
                self.write_held(tx, rows, job)?;
                Ok(Some(write))
            }
            other => Ok(Some(other)),
        }
    }

    /// Writes every held start (at the end of the batch, and before a write
    /// that reads or changes many rows).
    pub(crate) fn write_all(
        &mut self,
        tx: &Transaction<'_>,
        rows: &JobIdMap<i64>,
    ) -> rusqlite::Result<()> {
        for (job, start) in self.held.drain() {
            if let Some(&row) = rows.get(&job) {
                write_start(tx, row, &start)?;
            }
        }
        Ok(())
    }

    fn write_held(
        &mut self,
        tx: &Transaction<'_>,
        rows: &JobIdMap<i64>,
        job: JobId,
    ) -> rusqlite::Result<()> {
        if let Some(start) = self.held.remove(&job)
            && let Some(&row) = rows.get(&job)
        {
            write_start(tx, row, &start)?;
        }
        Ok(())
    }
}

/// Marks `row` running its attempt: a new attempt has no cluster id yet,
/// and no process until one is written.
pub(crate) fn write_start(tx: &Transaction<'_>, row: i64, start: &Start) -> rusqlite::Result<()> {
    let (process_id, process_group, process_start) = process_columns(start.process);
    tx.prepare_cached(
        "UPDATE jobs SET state = 'running', attempt = ?1, worker = ?2, started_at = ?3,
         pid = ?4, pgid = ?5, process_start = ?6, remote_id = NULL WHERE id = ?7",
    )?
    .execute(params![
        start.attempt,
        worker_column(start.worker),
        start.at,
        process_id,
        process_group,
        process_start,
        row
    ])?;
    Ok(())
}

/// Writes an attempt's end to `row`, with its start when that is held
/// here (`start`): the row as [`write_start`] then the end alone would
/// leave it, in one update.
pub(crate) fn write_end(
    tx: &Transaction<'_>,
    row: i64,
    start: Option<&Start>,
    ended: &Ended,
) -> rusqlite::Result<()> {
    // ?8 says whether the start's columns are written too.
    let (process_id, process_group, process_start) = process_columns(start.and_then(|s| s.process));
    tx.prepare_cached(
        "UPDATE jobs SET state = ?1, exit_code = ?2, signal = ?3,
         error = COALESCE(?4, error), output = ?5, ended_at = ?6,
         progress = COALESCE(?7, progress),
         attempt = CASE WHEN ?8 THEN ?9 ELSE attempt END,
         worker = CASE WHEN ?8 THEN ?10 ELSE worker END,
         started_at = CASE WHEN ?8 THEN ?11 ELSE started_at END,
         pid = CASE WHEN ?8 THEN ?12 ELSE pid END,
         pgid = CASE WHEN ?8 THEN ?13 ELSE pgid END,
         process_start = CASE WHEN ?8 THEN ?14 ELSE process_start END,
         remote_id = CASE WHEN ?8 THEN NULL ELSE remote_id END
         WHERE id = ?15",
    )?
    .execute(params![
        ended.state.as_str(),
        ended.exit_code,
        ended.signal,
        ended.error,
        ended.output,
        ended.at,
        ended.progress,
        start.is_some(),
        start.map(|s| s.attempt),
        start.and_then(|s| worker_column(s.worker)),
        start.map(|s| s.at),
        process_id,
        process_group,
        process_start,
        row
    ])?;
    Ok(())
}

/// A worker's number as stored.
pub(crate) fn worker_column(worker: Option<usize>) -> Option<i64> {
    worker.and_then(|w| i64::try_from(w).ok())
}

/// A process's pid, group and start time as stored.
pub(crate) fn process_columns(
    process: Option<ProcessInfo>,
) -> (Option<u32>, Option<u32>, Option<i64>) {
    (
        process.map(|p| p.pid),
        process.map(|p| p.pgid),
        process
            .and_then(|p| p.start_ticks)
            .and_then(|t| i64::try_from(t).ok()),
    )
}
