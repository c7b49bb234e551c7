//! Jobs first heard of in the batch being written: their later writes of
//! the same batch are folded in memory, so that a short job (queued,
//! started and ended within one batch, the common case in a busy run) costs
//! one `INSERT` instead of an `INSERT` and two `UPDATE`s.

use rusqlite::{Transaction, params};

use super::records::JobState;
use super::started::{process_columns, worker_column};
use super::writer::{Ended, Queued, Write};
use crate::engine::{JobId, JobIdMap, ProcessInfo};

/// A job's row as it will be inserted.
struct FreshRow {
    queued: Box<Queued>,
    state: JobState,
    attempt: u32,
    worker: Option<usize>,
    started_at: Option<f64>,
    process: Option<ProcessInfo>,
    remote_id: Option<String>,
    error: Option<String>,
    progress: Option<f32>,
    ended: Option<Box<Ended>>,
}

/// The batch's new jobs, in the order they were queued.
#[derive(Default)]
pub(crate) struct Fresh {
    order: Vec<JobId>,
    rows: JobIdMap<FreshRow>,
}

impl Fresh {
    /// Folds `write` in if it is about a job of this batch; otherwise hands
    /// it back.
    pub(crate) fn absorb(&mut self, write: Write) -> Option<Write> {
        match write {
            Write::Queued(queued) => {
                let job = queued.job;
                self.order.push(job);
                self.rows.insert(
                    job,
                    FreshRow {
                        queued,
                        state: JobState::Queued,
                        attempt: 0,
                        worker: None,
                        started_at: None,
                        process: None,
                        remote_id: None,
                        error: None,
                        progress: None,
                        ended: None,
                    },
                );
                None
            }
            Write::Started {
                job,
                attempt,
                worker,
                at,
            } => match self.rows.get_mut(&job) {
                Some(row) => {
                    row.state = JobState::Running;
                    row.attempt = attempt;
                    row.worker = worker;
                    row.started_at = Some(at);
                    row.process = None;
                    row.remote_id = None;
                    None
                }
                None => Some(Write::Started {
                    job,
                    attempt,
                    worker,
                    at,
                }),
            },
            Write::Process { job, process } => match self.rows.get_mut(&job) {
                Some(row) => {
                    row.process = Some(process);
                    None
                }
                None => Some(Write::Process { job, process }),
            },
            Write::Placed { job, remote_id } => match self.rows.get_mut(&job) {
                Some(row) => {
                    row.remote_id = Some(remote_id);
                    None
                }
                None => Some(Write::Placed { job, remote_id }),
            },
            Write::Retrying { job, error } => match self.rows.get_mut(&job) {
                Some(row) => {
                    row.state = JobState::Queued;
                    row.error = Some(error);
                    row.remote_id = None;
                    None
                }
                None => Some(Write::Retrying { job, error }),
            },
            Write::Progress { job, value } => match self.rows.get_mut(&job) {
                Some(row) => {
                    row.progress = Some(value);
                    None
                }
                None => Some(Write::Progress { job, value }),
            },
            Write::Ended(ended) => match self.rows.get_mut(&ended.job) {
                Some(row) => {
                    row.state = ended.state;
                    row.ended = Some(ended);
                    None
                }
                None => Some(Write::Ended(ended)),
            },
            other => Some(other),
        }
    }

    /// Inserts every new job as it stands; those not ended yet are added to
    /// `live` (their rows, for later batches' updates).
    pub(crate) fn insert_all(
        &mut self,
        tx: &Transaction<'_>,
        live: &mut JobIdMap<i64>,
    ) -> rusqlite::Result<()> {
        if self.order.is_empty() {
            return Ok(());
        }
        let mut insert = tx.prepare_cached(
            "INSERT INTO jobs (uuid, run, seq, name, spec, state, attempt, exit_code, signal,
             error, output, queued_at, started_at, ended_at, worker, log_path, pid, pgid,
             process_start, progress, remote_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
             ?17, ?18, ?19, ?20, ?21)",
        )?;
        for job in self.order.drain(..) {
            let Some(row) = self.rows.remove(&job) else {
                continue;
            };
            let queued = &row.queued;
            let spec = serde_json::to_string(&*queued.spec)
                .map_err(|error| rusqlite::Error::ToSqlConversionFailure(Box::new(error)))?;
            let ended = row.ended.as_deref();
            let (process_id, process_group, process_start) = process_columns(row.process);
            let error = ended.and_then(|e| e.error.clone()).or(row.error);
            let progress = ended.and_then(|e| e.progress).or(row.progress);
            insert.execute(params![
                job.to_string(),
                queued.run.0,
                queued.seq,
                queued.spec.name,
                spec,
                row.state.as_str(),
                row.attempt,
                ended.and_then(|e| e.exit_code),
                ended.and_then(|e| e.signal),
                error,
                ended.and_then(|e| e.output.clone()),
                queued.at,
                row.started_at,
                ended.map(|e| e.at),
                worker_column(row.worker),
                queued
                    .log_path
                    .as_ref()
                    .map(|path| path.to_string_lossy().into_owned()),
                process_id,
                process_group,
                process_start,
                progress,
                row.remote_id,
            ])?;
            if ended.is_none() {
                live.insert(job, tx.last_insert_rowid());
            }
        }
        Ok(())
    }
}
