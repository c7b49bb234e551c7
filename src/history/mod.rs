//! The history: every run and every job jobdeck ran, in an `SQLite` database,
//! for the window's past runs, Retry of any job, crash recovery,
//! `jobdeck run --resume` and `jobdeck history`.
//!
//! Where: `history.sqlite3` in jobdeck's data folder ([`default_dir`]:
//! `$JOBDECK_DATA_DIR`, else `<XDG data dir>/jobdeck`). Anyone can read it
//! with the `sqlite3` tool; the schema (see `schema.rs`) has two tables:
//! `runs` (one per `jobdeck run`, per job file opened in the window, per
//! window session's own jobs) and `jobs` (one per job submitted: its spec as
//! JSON, state, attempt, exit code, signal, error, output, times, worker,
//! log file, the running attempt's process, the last progress).
//!
//! How it is fed: a [`Journal`] is a [`Sink`](crate::session::Sink) of the
//! session, so it hears exactly what the window and the CLI hear; it hands
//! every change to one writer thread (`writer.rs`), which commits in
//! batches. Recording never blocks the session's thread on the disk.
//!
//! Opening ([`History::open`]) never fails: a damaged file is moved aside
//! and a new one started; a folder that cannot be written, a database of a
//! newer jobdeck, or one another process holds too long leave a history that
//! records nothing and says why ([`History::problem`]), while jobs run as
//! ever. Opening also recovers from a crash (see `recover.rs`) and prunes
//! old runs ([`Retention`]).

mod fresh;
mod journal;
mod prune;
mod query;
mod records;
mod recover;
mod schema;
mod started;
mod store;
mod writer;

pub mod joblog;
pub mod resume;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use crossbeam_channel::Sender;
use rusqlite::Connection;
use sha2::{Digest, Sha256};

use crate::engine::JobId;
use crate::jobspec::JobSpec;
use journal::{Routing, WallClock, lock, unix_now};
use writer::{Problem, Write};

pub use journal::Journal;
pub use prune::Retention;
pub use records::{JobRecord, JobState, NewRun, RunEnd, RunId, RunRecord};
pub use recover::{LeftQueued, RECOVERY_GRACE, Recovery};
pub use schema::SCHEMA_VERSION;
pub use writer::{BATCH_WINDOW, BATCH_WRITES};

/// The environment variable that overrides [`default_dir`].
pub const DATA_DIR_ENV: &str = "JOBDECK_DATA_DIR";

/// The database's file name in the data folder.
pub const FILE_NAME: &str = "history.sqlite3";

/// jobdeck's data folder: `$JOBDECK_DATA_DIR` when set (and not empty),
/// otherwise `jobdeck` in the XDG data folder (`~/.local/share/jobdeck`).
#[must_use]
pub fn default_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|dir| !dir.is_empty()) {
        return PathBuf::from(dir);
    }
    directories::BaseDirs::new()
        .map_or_else(std::env::temp_dir, |dirs| dirs.data_dir().to_path_buf())
        .join("jobdeck")
}

/// `instant` (of this process's clock) in Unix seconds.
#[must_use]
pub fn unix_secs(instant: std::time::Instant) -> f64 {
    WallClock::new().secs(instant)
}

/// A job file's content hash, as runs store it: SHA-256, in hex.
#[must_use]
pub fn content_hash(content: &[u8]) -> String {
    use std::fmt::Write as _;
    Sha256::digest(content)
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

/// Why the history cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The database (or its folder) cannot be created or written.
    #[error("cannot use {}: {reason}", path.display())]
    Unavailable {
        /// The database file.
        path: PathBuf,
        /// What the system said.
        reason: String,
    },
    /// The database was written by a newer jobdeck.
    #[error(
        "the history was written by a newer jobdeck (schema {found}; this one knows up to {known}) and is left as it is"
    )]
    Newer {
        /// Its schema version.
        found: u32,
        /// The newest this jobdeck knows.
        known: u32,
    },
    /// Another process held the database past the busy timeout.
    #[error("the history ({}) is in use by another jobdeck", path.display())]
    InUse {
        /// The database file.
        path: PathBuf,
    },
    /// `SQLite`'s integrity check found damage.
    #[error("damaged: {0}")]
    Damaged(String),
    /// Any other database error.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// The history is not being saved (the reason was said already).
    #[error("{0}")]
    NotSaving(String),
}

/// The history of one jobdeck process: see the module docs.
pub struct History {
    path: PathBuf,
    open: Option<Open>,
    problem: Problem,
    notices: Vec<String>,
    recovery: Recovery,
    routing: Arc<Mutex<Routing>>,
    clock: WallClock,
}

/// A usable store: a connection for reading and the writer thread.
struct Open {
    reader: Connection,
    writes: Sender<Write>,
    thread: Option<JoinHandle<()>>,
    /// Shared with every journal: while one lives, the writer may still get
    /// writes, so the history does not wait for it to end.
    alive: Arc<()>,
}

impl History {
    /// Opens the history in `dir` (creating it), recovers what a crashed
    /// jobdeck left and prunes by `keep`. Never fails: see
    /// [`problem`](Self::problem) and [`take_notices`](Self::take_notices).
    #[must_use]
    pub fn open(dir: &Path, keep: Retention) -> Self {
        let path = dir.join(FILE_NAME);
        let problem = Problem::default();
        let mut history = Self {
            path: path.clone(),
            open: None,
            problem: problem.clone(),
            notices: Vec::new(),
            recovery: Recovery::default(),
            routing: Arc::default(),
            clock: WallClock::new(),
        };
        match Self::open_store(&path, &problem) {
            Ok((open, notices, recovery)) => {
                history.open = Some(open);
                history.notices = notices;
                if let Some(text) = recovery.describe() {
                    history.notices.push(text);
                }
                history.recovery = recovery;
                if let Err(error) = history.prune(keep) {
                    history
                        .notices
                        .push(format!("old runs were not pruned: {error}"));
                }
            }
            Err(error) => problem.set(format!("history is not being saved: {error}")),
        }
        history
    }

    /// [`open`](Self::open) in [`default_dir`].
    #[must_use]
    pub fn open_default(keep: Retention) -> Self {
        Self::open(&default_dir(), keep)
    }

    fn open_store(
        path: &Path,
        problem: &Problem,
    ) -> Result<(Open, Vec<String>, Recovery), HistoryError> {
        let mut opened = store::open(path)?;
        let recovery = recover::recover(&mut opened.conn)?;
        let reader = store::open_reader(path)?;
        let (writes, thread) = writer::spawn(opened.conn, problem.clone()).map_err(|error| {
            HistoryError::Unavailable {
                path: path.to_path_buf(),
                reason: format!("cannot start the history's writer thread: {error}"),
            }
        })?;
        Ok((
            Open {
                reader,
                writes,
                thread: Some(thread),
                alive: Arc::new(()),
            },
            opened.notices,
            recovery,
        ))
    }

    /// The database file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Why the history is not being saved, once it is not (it could not be
    /// opened, or a write failed); `None` while all is well.
    #[must_use]
    pub fn problem(&self) -> Option<String> {
        self.problem.get()
    }

    /// Things to tell the person once (a damaged file moved aside, what
    /// crash recovery did); empty after the first call.
    pub fn take_notices(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notices)
    }

    /// What crash recovery found when the history was opened.
    #[must_use]
    pub fn recovery(&self) -> &Recovery {
        &self.recovery
    }

    /// A sink that records the session's jobs into this history; `None`
    /// when the history is not being saved. Add it to the session before
    /// submitting.
    #[must_use]
    pub fn journal(&self) -> Option<Journal> {
        let open = self.open.as_ref()?;
        Some(Journal::new(
            open.writes.clone(),
            Arc::clone(&self.routing),
            self.clock,
            Arc::clone(&open.alive),
        ))
    }

    /// Starts a run; jobs submitted from now on belong to it (see
    /// [`use_run`](Self::use_run)). `None` when the history is not being
    /// saved.
    pub fn begin_run(&mut self, run: NewRun) -> Option<RunId> {
        let open = self.open.as_ref()?;
        let (reply, answer) = crossbeam_channel::bounded(1);
        let _ = open.writes.send(Write::BeginRun {
            run,
            at: unix_now(),
            reply,
        });
        let id = answer.recv().ok()?.ok()?;
        lock(&self.routing).run = Some(id);
        Some(id)
    }

    /// Jobs submitted from now on belong to `run` (`None`: not recorded).
    pub fn use_run(&self, run: Option<RunId>) {
        lock(&self.routing).run = run;
    }

    /// Gives the jobs about to be submitted their numbers in their run
    /// (a job file's order, 1-based); others are numbered after the highest.
    pub fn number(&self, numbers: impl IntoIterator<Item = (JobId, u32)>) {
        let mut routing = lock(&self.routing);
        let before = routing.numbers.len();
        routing.numbers.extend(numbers);
        // Every numbered job will be recorded: make room for them at once
        // rather than growing the table as they are submitted.
        let coming = routing.numbers.len().saturating_sub(before);
        routing.jobs.reserve(coming);
    }

    /// The next job submitted runs `job` again: it is recorded in `job`'s
    /// run with its number. Returns whether `job` is recorded at all.
    pub fn retry_next(&self, job: JobId) -> bool {
        let mut routing = lock(&self.routing);
        let recorded = routing.jobs.contains_key(&job);
        routing.retry_of = recorded.then_some(job);
        recorded
    }

    /// The run `job` (of this process) is recorded in.
    #[must_use]
    pub fn run_of(&self, job: JobId) -> Option<RunId> {
        lock(&self.routing).jobs.get(&job).map(|&(run, _)| run)
    }

    /// This process's runs that still have jobs queued or running.
    #[must_use]
    pub fn live_runs(&self) -> Vec<RunId> {
        let mut runs: Vec<RunId> = lock(&self.routing)
            .live
            .iter()
            .filter(|(_, live)| **live > 0)
            .map(|(run, _)| *run)
            .collect();
        runs.sort();
        runs
    }

    /// Records how `run` ended (a journal records "finished" by itself when
    /// its last job ends; this says "interrupted" or "closed").
    pub fn end_run(&self, run: RunId, how: RunEnd) {
        self.send(Write::EndRun {
            run,
            how,
            at: unix_now(),
        });
    }

    /// Marks rows of a crashed run's queued jobs interrupted, once a window
    /// has taken them over into a run of its own.
    pub fn interrupt(&self, rows: Vec<i64>) {
        self.send(Write::Interrupt { rows });
    }

    /// Waits until everything recorded so far is committed.
    pub fn sync(&self) {
        if let Some(open) = &self.open {
            let (reply, done) = crossbeam_channel::bounded(1);
            if open.writes.send(Write::Sync(reply)).is_ok() {
                let _ = done.recv();
            }
        }
    }

    /// Forgets the ended runs `keep` does not cover; returns how many.
    ///
    /// # Errors
    /// [`HistoryError::NotSaving`] with the reason.
    pub fn prune(&self, keep: Retention) -> Result<usize, HistoryError> {
        self.ask(|reply| Write::Prune {
            keep,
            now: unix_now(),
            reply,
        })
    }

    /// Forgets every ended run but `keep`; returns how many went.
    ///
    /// # Errors
    /// [`HistoryError::NotSaving`] with the reason.
    pub fn clear(&self, keep: Vec<RunId>) -> Result<usize, HistoryError> {
        self.ask(|reply| Write::Clear { keep, reply })
    }

    /// The newest `limit` runs, newest first.
    ///
    /// # Errors
    /// When the history is not open, or reading fails.
    pub fn runs(&self, limit: usize) -> Result<Vec<RunRecord>, HistoryError> {
        Ok(query::runs(self.reader()?, limit)?)
    }

    /// One run.
    ///
    /// # Errors
    /// When the history is not open, or reading fails.
    pub fn run(&self, id: RunId) -> Result<Option<RunRecord>, HistoryError> {
        Ok(query::run(self.reader()?, id)?)
    }

    /// The runs of job file `file` (absolute), newest first.
    ///
    /// # Errors
    /// When the history is not open, or reading fails.
    pub fn runs_of_file(&self, file: &Path) -> Result<Vec<RunRecord>, HistoryError> {
        Ok(query::runs_of_file(self.reader()?, file)?)
    }

    /// Every job of `run`, in its order.
    ///
    /// # Errors
    /// When the history is not open, or reading fails.
    pub fn jobs(&self, run: RunId) -> Result<Vec<JobRecord>, HistoryError> {
        Ok(query::jobs(self.reader()?, run)?)
    }

    /// The spec of the job in row `row`.
    ///
    /// # Errors
    /// When the history is not open, reading fails or the spec is not one
    /// this jobdeck can read.
    pub fn spec(&self, row: i64) -> Result<Option<JobSpec>, HistoryError> {
        Ok(query::spec(self.reader()?, row)?)
    }

    /// Lets the database grow to `pages` pages only, as a full disk would.
    #[cfg(test)]
    pub(crate) fn limit_pages_for_tests(&self, pages: u64) {
        self.send(Write::LimitPages(pages));
        self.sync();
    }

    fn reader(&self) -> Result<&Connection, HistoryError> {
        self.open.as_ref().map(|open| &open.reader).ok_or_else(|| {
            HistoryError::NotSaving(
                self.problem()
                    .unwrap_or_else(|| "history is not being saved".to_owned()),
            )
        })
    }

    fn send(&self, write: Write) {
        if let Some(open) = &self.open {
            let _ = open.writes.send(write);
        }
    }

    fn ask(
        &self,
        write: impl FnOnce(Sender<Result<usize, String>>) -> Write,
    ) -> Result<usize, HistoryError> {
        let not_saving = || {
            HistoryError::NotSaving(
                self.problem()
                    .unwrap_or_else(|| "history is not being saved".to_owned()),
            )
        };
        let open = self.open.as_ref().ok_or_else(not_saving)?;
        let (reply, answer) = crossbeam_channel::bounded(1);
        open.writes.send(write(reply)).map_err(|_| not_saving())?;
        answer
            .recv()
            .map_err(|_| not_saving())?
            .map_err(HistoryError::NotSaving)
    }
}

impl Drop for History {
    /// Commits what was recorded; waits for the writer thread to end unless
    /// a journal still lives (it ends when the last one goes).
    fn drop(&mut self) {
        self.sync();
        if let Some(mut open) = self.open.take() {
            let thread = open.thread.take();
            let last = Arc::strong_count(&open.alive) == 1;
            drop(open);
            if last && let Some(thread) = thread {
                let _ = thread.join();
            }
        }
    }
}

#[cfg(test)]
mod tests;
