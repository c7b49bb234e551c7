//! The one thread that writes the history.
//!
//! Everything that changes the store arrives here as a [`Write`] over an
//! unbounded channel, so whoever records (the session's thread, through the
//! journal) never waits for the disk. The thread commits in batches: a
//! batch opens with the first write that arrives and commits after about
//! [`BATCH_WRITES`] writes or [`BATCH_WINDOW`], whichever comes first, so a
//! write is durable (in the WAL) at most about 50 ms after it was sent.
//!
//! The channel is unbounded on purpose: a journal must never drop a job's
//! end, and must never block the window. The writer outruns any real stream
//! of events (see `benches/history.rs`), so the queue stays short; it
//! grows only while the disk stalls.
//!
//! When a write fails (a full disk, a read-only file, another process
//! holding the database past the busy timeout) the batch is rolled back,
//! the reason is published (see [`Problem`]) and the writer stops writing:
//! everything after is dropped, jobs run on regardless.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use rusqlite::{Connection, Transaction, params};

use super::fresh::Fresh;
use super::records::{JobState, NewRun, RunEnd, RunId};
use super::started::{Start, Starts, process_columns, write_end, write_start};
use super::{Retention, prune};
use crate::engine::{JobId, JobIdMap, ProcessInfo};
use crate::jobspec::JobSpec;

/// Writes committed together at most.
pub const BATCH_WRITES: usize = 1_000;

/// How long a batch stays open for more writes.
pub const BATCH_WINDOW: Duration = Duration::from_millis(50);

/// One change to the store.
pub(crate) enum Write {
    /// A run starts; its id is sent back.
    BeginRun {
        run: NewRun,
        at: f64,
        reply: Sender<Result<RunId, String>>,
    },
    /// A run ended (or ended again, with a better reason).
    EndRun { run: RunId, how: RunEnd, at: f64 },
    /// A job joined a run that had ended: it runs again.
    ReopenRun { run: RunId },
    /// A job was submitted.
    Queued(Box<Queued>),
    /// An attempt started.
    Started {
        job: JobId,
        attempt: u32,
        worker: Option<usize>,
        at: f64,
    },
    /// The running attempt's process.
    Process { job: JobId, process: ProcessInfo },
    /// The running attempt's id on its cluster.
    Placed { job: JobId, remote_id: String },
    /// An attempt failed and the job waits to run again.
    Retrying { job: JobId, error: String },
    /// A running job's latest progress.
    Progress { job: JobId, value: f32 },
    /// A job ended.
    Ended(Box<Ended>),
    /// Rows of jobs a window took over from a crashed run: they are
    /// interrupted there (the window runs them in a run of its own).
    Interrupt { rows: Vec<i64> },
    /// Forget old runs.
    Prune {
        keep: Retention,
        now: f64,
        reply: Sender<Result<usize, String>>,
    },
    /// Forget every run but these.
    Clear {
        keep: Vec<RunId>,
        reply: Sender<Result<usize, String>>,
    },
    /// Commits what came before, then answers.
    Sync(Sender<()>),
    /// Several writes in order, sent as one message (see the journal).
    Batch(Vec<Write>),
    /// Caps the database at this many pages, as a full disk would.
    #[cfg(test)]
    LimitPages(u64),
}

/// See [`Write::Queued`].
pub(crate) struct Queued {
    pub(crate) job: JobId,
    pub(crate) run: RunId,
    pub(crate) seq: u32,
    pub(crate) spec: Arc<JobSpec>,
    pub(crate) at: f64,
    pub(crate) log_path: Option<PathBuf>,
}

/// See [`Write::Ended`].
pub(crate) struct Ended {
    pub(crate) job: JobId,
    pub(crate) state: JobState,
    pub(crate) exit_code: Option<i32>,
    pub(crate) signal: Option<i32>,
    pub(crate) error: Option<String>,
    pub(crate) output: Option<String>,
    pub(crate) at: f64,
    pub(crate) progress: Option<f32>,
}

/// Why the history stopped being saved, once it has; shared between the
/// writer, which sets it, and whoever shows it.
#[derive(Clone, Default)]
pub(crate) struct Problem(Arc<Mutex<Option<String>>>);

impl Problem {
    pub(crate) fn set(&self, reason: String) {
        let mut problem = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        problem.get_or_insert(reason);
    }

    pub(crate) fn get(&self) -> Option<String> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Starts the writer thread on `conn`.
pub(crate) fn spawn(
    conn: Connection,
    problem: Problem,
) -> std::io::Result<(Sender<Write>, JoinHandle<()>)> {
    let (tx, rx) = crossbeam_channel::unbounded();
    let thread = std::thread::Builder::new()
        .name("jobdeck-history".to_owned())
        .spawn(move || {
            yield_to_the_pool();
            Writer::new(conn, problem).run(&rx);
        })?;
    Ok((tx, thread))
}

/// Gives the calling thread (the writer) the lowest scheduling priority of
/// normal threads (nice 19 on Linux): while workers and the window keep
/// every core busy, the writer takes what they leave, so recording never
/// slows a job; it catches up when they rest. Under a load that never
/// rests it still gets a small share (about 1.5% of a core against each
/// busy thread), thousands of writes a second, far more than jobs that keep
/// a core busy can end. Where the system refuses, the writer runs at the
/// usual priority.
fn yield_to_the_pool() {
    use thread_priority::{
        NormalThreadSchedulePolicy, ThreadPriority, ThreadPriorityValue, ThreadSchedulePolicy,
        set_thread_priority_and_policy, thread_native_id,
    };
    // The crate's lowest cross-platform value; on Linux, nice 19.
    let Ok(lowest) = ThreadPriorityValue::try_from(0u8) else {
        return;
    };
    let _ = set_thread_priority_and_policy(
        thread_native_id(),
        ThreadPriority::Crossplatform(lowest),
        ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Other),
    );
}

struct Writer {
    conn: Connection,
    problem: Problem,
    /// Each live job's row, by engine id.
    rows: JobIdMap<i64>,
    /// Set after a failure: writes are dropped from then on.
    broken: bool,
}

impl Writer {
    fn new(conn: Connection, problem: Problem) -> Self {
        Self {
            conn,
            problem,
            rows: JobIdMap::default(),
            broken: false,
        }
    }

    /// Batches until every sender is gone, then commits the last batch.
    fn run(mut self, rx: &Receiver<Write>) {
        while let Ok(first) = rx.recv() {
            let deadline = Instant::now() + BATCH_WINDOW;
            let mut batch = Vec::new();
            let mut syncs = Vec::new();
            let mut next = Ok(first);
            loop {
                match next {
                    // A sync ends the batch: its caller waits for the commit.
                    Ok(Write::Sync(reply)) => {
                        syncs.push(reply);
                        break;
                    }
                    Ok(Write::Batch(writes)) => batch.extend(writes),
                    Ok(write) => batch.push(write),
                    Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
                }
                if batch.len() >= BATCH_WRITES {
                    break;
                }
                next = rx.recv_deadline(deadline);
            }
            self.commit(batch);
            for reply in syncs {
                let _ = reply.send(());
            }
        }
    }

    fn commit(&mut self, batch: Vec<Write>) {
        if self.broken {
            for write in batch {
                refuse(write, "history is not being saved");
            }
            return;
        }
        let mut replies = Vec::new();
        let result = self.apply(batch, &mut replies);
        match result {
            Ok(()) => {
                for reply in replies {
                    reply.send();
                }
            }
            Err(error) => {
                let reason = describe(&error);
                self.problem.set(reason.clone());
                self.broken = true;
                for reply in replies {
                    reply.fail(&reason);
                }
            }
        }
    }

    fn apply(&mut self, batch: Vec<Write>, replies: &mut Vec<Reply>) -> rusqlite::Result<()> {
        let tx = Transaction::new(&mut self.conn, rusqlite::TransactionBehavior::Immediate)?;
        let mut fresh = Fresh::default();
        let mut starts = Starts::default();
        for write in batch {
            let Some(write) = fresh.absorb(write) else {
                continue;
            };
            let Some(write) = starts.absorb(&tx, &mut self.rows, write)? else {
                continue;
            };
            // These read or change job rows: the rows must be as written.
            if matches!(
                write,
                Write::Interrupt { .. } | Write::Prune { .. } | Write::Clear { .. }
            ) {
                fresh.insert_all(&tx, &mut self.rows)?;
                starts.write_all(&tx, &self.rows)?;
            }
            apply_one(&tx, &mut self.rows, write, replies)?;
        }
        fresh.insert_all(&tx, &mut self.rows)?;
        starts.write_all(&tx, &self.rows)?;
        tx.commit()
    }
}

/// An answer owed once the batch is committed (or failed).
enum Reply {
    Run(Sender<Result<RunId, String>>, RunId),
    Count(Sender<Result<usize, String>>, usize),
    Sync(Sender<()>),
}

impl Reply {
    fn send(self) {
        match self {
            Self::Run(reply, run) => drop(reply.send(Ok(run))),
            Self::Count(reply, count) => drop(reply.send(Ok(count))),
            Self::Sync(reply) => drop(reply.send(())),
        }
    }

    fn fail(self, reason: &str) {
        match self {
            Self::Run(reply, _) => drop(reply.send(Err(reason.to_owned()))),
            Self::Count(reply, _) => drop(reply.send(Err(reason.to_owned()))),
            Self::Sync(reply) => drop(reply.send(())),
        }
    }
}

/// Answers a write that will not be made.
fn refuse(write: Write, reason: &str) {
    match write {
        Write::BeginRun { reply, .. } => drop(reply.send(Err(reason.to_owned()))),
        Write::Prune { reply, .. } | Write::Clear { reply, .. } => {
            drop(reply.send(Err(reason.to_owned())));
        }
        Write::Sync(reply) => drop(reply.send(())),
        Write::Batch(writes) => {
            for write in writes {
                refuse(write, reason);
            }
        }
        _ => {}
    }
}

fn apply_one(
    tx: &Transaction<'_>,
    rows: &mut JobIdMap<i64>,
    write: Write,
    replies: &mut Vec<Reply>,
) -> rusqlite::Result<()> {
    match write {
        Write::BeginRun { run, at, reply } => {
            let id = begin_run(tx, &run, at)?;
            replies.push(Reply::Run(reply, id));
        }
        Write::EndRun { run, how, at } => {
            tx.prepare_cached("UPDATE runs SET ended_at = ?1, ended_how = ?2 WHERE id = ?3")?
                .execute(params![at, how.as_str(), run.0])?;
        }
        Write::ReopenRun { run } => {
            tx.prepare_cached("UPDATE runs SET ended_at = NULL, ended_how = NULL WHERE id = ?1")?
                .execute([run.0])?;
        }
        Write::Queued(queued) => {
            let mut fresh = Fresh::default();
            fresh.absorb(Write::Queued(queued));
            fresh.insert_all(tx, rows)?;
        }
        Write::Started {
            job,
            attempt,
            worker,
            at,
        } => {
            if let Some(&row) = rows.get(&job) {
                let start = Start {
                    attempt,
                    worker,
                    at,
                    process: None,
                };
                write_start(tx, row, &start)?;
            }
        }
        Write::Process { job, process } => {
            if let Some(&row) = rows.get(&job) {
                let (process_id, process_group, process_start) = process_columns(Some(process));
                tx.prepare_cached(
                    "UPDATE jobs SET pid = ?1, pgid = ?2, process_start = ?3 WHERE id = ?4",
                )?
                .execute(params![
                    process_id,
                    process_group,
                    process_start,
                    row
                ])?;
            }
        }
        Write::Placed { job, remote_id } => {
            if let Some(&row) = rows.get(&job) {
                tx.prepare_cached("UPDATE jobs SET remote_id = ?1 WHERE id = ?2")?
                    .execute(params![remote_id, row])?;
            }
        }
        // The failed attempt's cluster run is over: nothing to follow again.
        Write::Retrying { job, error } => {
            if let Some(&row) = rows.get(&job) {
                tx.prepare_cached(
                    "UPDATE jobs SET state = 'queued', error = ?1, remote_id = NULL WHERE id = ?2",
                )?
                .execute(params![error, row])?;
            }
        }
        Write::Progress { job, value } => {
            if let Some(&row) = rows.get(&job) {
                tx.prepare_cached("UPDATE jobs SET progress = ?1 WHERE id = ?2")?
                    .execute(params![value, row])?;
            }
        }
        Write::Ended(ended) => end_job(tx, rows, &ended)?,
        Write::Interrupt { rows: interrupted } => {
            let mut update =
                tx.prepare_cached("UPDATE jobs SET state = 'interrupted' WHERE id = ?1")?;
            for row in interrupted {
                update.execute([row])?;
            }
        }
        Write::Prune { keep, now, reply } => {
            let removed = prune::prune(tx, keep, now)?;
            replies.push(Reply::Count(reply, removed));
        }
        Write::Clear { keep, reply } => {
            let removed = prune::clear(tx, &keep)?;
            replies.push(Reply::Count(reply, removed));
        }
        Write::Sync(reply) => replies.push(Reply::Sync(reply)),
        // The run loop unpacks batches; one that gets here is applied in order.
        Write::Batch(writes) => {
            for write in writes {
                apply_one(tx, rows, write, replies)?;
            }
        }
        #[cfg(test)]
        Write::LimitPages(pages) => {
            let pages = i64::try_from(pages).unwrap_or(i64::MAX);
            tx.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))?;
        }
    }
    Ok(())
}

fn end_job(tx: &Transaction<'_>, rows: &mut JobIdMap<i64>, ended: &Ended) -> rusqlite::Result<()> {
    match rows.remove(&ended.job) {
        Some(row) => write_end(tx, row, None, ended),
        None => Ok(()),
    }
}

fn begin_run(tx: &Transaction<'_>, run: &NewRun, at: f64) -> rusqlite::Result<RunId> {
    let me = std::process::id();
    let my_start = crate::procfs::start_ticks(me).and_then(|t| i64::try_from(t).ok());
    let max_threads = i64::try_from(run.max_threads).unwrap_or(i64::MAX);
    tx.prepare_cached(
        "INSERT INTO runs (file, file_hash, max_threads, version, started_at, owner_pid,
         owner_start, resumed_from) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        run.file
            .as_ref()
            .map(|path| path.to_string_lossy().into_owned()),
        run.file_hash,
        max_threads,
        env!("CARGO_PKG_VERSION"),
        at,
        me,
        my_start,
        run.resumed_from.map(|run| run.0),
    ])?;
    Ok(RunId(tx.last_insert_rowid()))
}

/// What a failed write means for the person.
fn describe(error: &rusqlite::Error) -> String {
    use rusqlite::ErrorCode;
    match error.sqlite_error_code() {
        Some(ErrorCode::DiskFull) => "history is not being saved: the disk is full".to_owned(),
        Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => {
            format!("history is not being saved: the database cannot be written ({error})")
        }
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            "history is not being saved: another jobdeck holds the history database".to_owned()
        }
        _ => format!("history is not being saved: {error}"),
    }
}
