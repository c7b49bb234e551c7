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
                        start_and_end(tx, row, &start, &ended)?;
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
    let process = start.process;
    tx.prepare_cached(
        "UPDATE jobs SET state = 'running', attempt = ?1, worker = ?2, started_at = ?3,
         pid = ?4, pgid = ?5, process_start = ?6, remote_id = NULL WHERE id = ?7",
    )?
    .execute(params![
        start.attempt,
        start.worker.and_then(|w| i64::try_from(w).ok()),
        start.at,
        process.map(|p| p.pid),
        process.map(|p| p.pgid),
        process
            .and_then(|p| p.start_ticks)
            .and_then(|t| i64::try_from(t).ok()),
        row
    ])?;
    Ok(())
}

/// The start and the end of an attempt in one update: the row as
/// [`write_start`] then the end's update would leave it.
fn start_and_end(
    tx: &Transaction<'_>,
    row: i64,
    start: &Start,
    ended: &Ended,
) -> rusqlite::Result<()> {
    let process = start.process;
    tx.prepare_cached(
        "UPDATE jobs SET state = ?1, attempt = ?2, worker = ?3, started_at = ?4,
         pid = ?5, pgid = ?6, process_start = ?7, remote_id = NULL,
         exit_code = ?8, signal = ?9, error = COALESCE(?10, error), output = ?11,
         ended_at = ?12, progress = COALESCE(?13, progress) WHERE id = ?14",
    )?
    .execute(params![
        ended.state.as_str(),
        start.attempt,
        start.worker.and_then(|w| i64::try_from(w).ok()),
        start.at,
        process.map(|p| p.pid),
        process.map(|p| p.pgid),
        process
            .and_then(|p| p.start_ticks)
            .and_then(|t| i64::try_from(t).ok()),
        ended.exit_code,
        ended.signal,
        ended.error,
        ended.output,
        ended.at,
        ended.progress,
        row
    ])?;
    Ok(())
}
