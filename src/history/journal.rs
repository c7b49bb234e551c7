//! The journal: a [`Sink`] that records every job a session submits and
//! everything that happens to it, by handing writes to the writer thread.
//!
//! Which run a job belongs to, and its number there, is decided by the
//! caller before it submits (see [`History::begin_run`](super::History::begin_run),
//! [`History::number`](super::History::number) and
//! [`History::retry_next`](super::History::retry_next)) through the
//! [`Routing`] both share; a job submitted with no run chosen is not
//! recorded. Progress is kept here and written at most once a second per
//! job (and with its end); samples and log lines are not recorded at all
//! (command jobs' logs are files). Of a cluster job's placements only its
//! remote id is kept, once per attempt: what a resume needs to follow that
//! run again rather than submit another.

use std::collections::{BTreeMap, VecDeque};
use std::io;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crossbeam_channel::Sender;

use super::joblog::signal_of;
use super::records::{JobState, RunEnd, RunId};
use super::writer::{Ended, Queued, Write};
use crate::board::JobView;
use crate::engine::{Event, EventKind, JobId, JobIdMap, Outcome};
use crate::session::{Sink, SinkContext};

/// How often a running job's progress is written.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

/// Writes held back at most before they go to the writer.
const SEND_EVERY: usize = 1_024;

/// Which run jobs go to, shared by the history (the caller's side) and its
/// journal (the session's side). Both live on the thread that drives the
/// session, so the lock is never contended.
#[derive(Default)]
pub(crate) struct Routing {
    /// The run jobs submitted next belong to; `None`: not recorded.
    pub(crate) run: Option<RunId>,
    /// Numbers given ahead of submission (a job file's order).
    pub(crate) numbers: JobIdMap<u32>,
    /// The next job submitted runs this one again: same run, same number.
    pub(crate) retry_of: Option<JobId>,
    /// Every recorded job's run and number.
    pub(crate) jobs: JobIdMap<(RunId, u32)>,
    /// Jobs not ended, per run (a handful of runs: a `BTreeMap` is cheaper
    /// to look up than a hashed one).
    pub(crate) live: BTreeMap<RunId, usize>,
    /// The highest number given in each run.
    pub(crate) last_seq: BTreeMap<RunId, u32>,
}

/// Locks the routing; a panic elsewhere leaves it usable.
pub(crate) fn lock(routing: &Mutex<Routing>) -> MutexGuard<'_, Routing> {
    routing.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Routing {
    /// Where a job just submitted goes: its run and number, or `None`.
    fn place(&mut self, job: JobId) -> Option<(RunId, u32)> {
        let retried = self.retry_of.take().and_then(|old| self.jobs.get(&old));
        let (run, seq) = if let Some(&(run, seq)) = retried {
            (run, seq)
        } else {
            let run = self.run?;
            let seq = match self.numbers.remove(&job) {
                Some(seq) => seq,
                None => self.last_seq.get(&run).copied().unwrap_or(0) + 1,
            };
            (run, seq)
        };
        let last = self.last_seq.entry(run).or_insert(0);
        *last = (*last).max(seq);
        self.jobs.insert(job, (run, seq));
        Some((run, seq))
    }
}

/// Recorded jobs' runs by their board sequence numbers, which the board
/// gives in submission order: a window from the oldest job not ended to
/// the newest, trimmed at the front as jobs end. A slot keeps the job's id
/// too, so a number given again (by a board put in place of the session's)
/// is never taken for another job: it is just not found, and the routing
/// is asked instead.
#[derive(Default)]
struct RunsBySeq {
    /// The sequence number of the first slot.
    first: u64,
    slots: VecDeque<Option<(JobId, RunId)>>,
}

impl RunsBySeq {
    fn put(&mut self, seq: u64, job: JobId, run: RunId) {
        if self.slots.is_empty() {
            self.first = seq;
        }
        let Some(index) = seq
            .checked_sub(self.first)
            .and_then(|i| usize::try_from(i).ok())
        else {
            return;
        };
        if index >= self.slots.len() {
            self.slots.resize(index + 1, None);
        }
        self.slots[index] = Some((job, run));
    }

    fn take(&mut self, seq: u64, job: JobId) -> Option<RunId> {
        let index = usize::try_from(seq.checked_sub(self.first)?).ok()?;
        let slot = self.slots.get_mut(index)?;
        let (id, run) = (*slot)?;
        if id != job {
            return None;
        }
        *slot = None;
        while self.slots.front() == Some(&None) {
            self.slots.pop_front();
            self.first += 1;
        }
        Some(run)
    }
}

/// What a job's end leaves of its run.
enum RunLeft {
    /// Other jobs of the run are still live.
    Live,
    /// It was the run's last live job.
    Empty(RunId),
}

/// Unix time for the session's `Instant`s.
#[derive(Clone, Copy, Debug)]
pub(crate) struct WallClock {
    unix_secs: f64,
    at: Instant,
}

impl WallClock {
    pub(crate) fn new() -> Self {
        Self {
            unix_secs: unix_now(),
            at: Instant::now(),
        }
    }

    /// `instant` in Unix seconds.
    pub(crate) fn secs(&self, instant: Instant) -> f64 {
        match instant.checked_duration_since(self.at) {
            Some(after) => self.unix_secs + after.as_secs_f64(),
            None => self.unix_secs - self.at.duration_since(instant).as_secs_f64(),
        }
    }
}

/// The time now, in Unix seconds.
pub(crate) fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64()
}

/// Records a session's jobs into the history; see the module docs. Made by
/// [`History::journal`](super::History::journal).
pub struct Journal {
    writes: Sender<Write>,
    routing: Arc<Mutex<Routing>>,
    clock: WallClock,
    /// The run of each recorded job not ended, by the job's place on the
    /// board: found by position, where the routing's table of every
    /// recorded job costs a cache miss per lookup in a big run.
    runs: RunsBySeq,
    /// Running jobs' progress not written yet.
    progress: JobIdMap<f32>,
    /// The remote id last written for each recorded cluster job: a
    /// placement repeats it with every change of state.
    remote_ids: JobIdMap<String>,
    progress_written: Instant,
    /// Whether every flush waits until the writer has committed.
    commit_each_round: bool,
    /// Writes not handed to the writer yet: they go over as one message at
    /// every flush (or every [`SEND_EVERY`] writes), so that a busy run
    /// pays for a channel send per round rather than per event.
    pending: Vec<Write>,
    /// Whether anything was sent since the last commit waited for.
    unsynced: bool,
    /// Keeps the history from waiting for the writer while this lives.
    _alive: Arc<()>,
}

impl Journal {
    pub(crate) fn new(
        writes: Sender<Write>,
        routing: Arc<Mutex<Routing>>,
        clock: WallClock,
        alive: Arc<()>,
    ) -> Self {
        Self {
            writes,
            routing,
            clock,
            runs: RunsBySeq::default(),
            progress: JobIdMap::default(),
            remote_ids: JobIdMap::default(),
            progress_written: Instant::now(),
            commit_each_round: false,
            pending: Vec::new(),
            unsynced: false,
            _alive: alive,
        }
    }

    /// Has every [`flush`](Sink::flush) wait until what the round recorded
    /// is committed, so that sinks added after this one (a reporter
    /// printing at its flush) never show what the history has not got.
    /// Costs the session's thread one commit per drain round, about a
    /// millisecond; the window does without.
    #[must_use]
    pub fn commit_each_round(mut self) -> Self {
        self.commit_each_round = true;
        self
    }

    fn send(&mut self, write: Write) {
        self.pending.push(write);
        if self.pending.len() >= SEND_EVERY {
            self.send_pending();
        }
    }

    fn send_pending(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        self.unsynced = true;
        let writes = std::mem::replace(&mut self.pending, Vec::with_capacity(SEND_EVERY));
        // The writer only goes away with the history; what it would have
        // said about that is already on show.
        let _ = self.writes.send(Write::Batch(writes));
    }

    fn ended(&mut self, job: JobId, outcome: &Outcome, cx: &SinkContext<'_>) {
        // Both hold running jobs only, recorded or not: small maps.
        let progress = self.progress.remove(&job);
        self.remote_ids.remove(&job);
        // Only a job's end looks the job up: every other write goes out
        // unchecked, and the writer passes over jobs it has no row for.
        let run = cx.job.and_then(|row| self.runs.take(row.seq, job));
        let Some(end) = self.end_of(job, run) else {
            return;
        };
        let at = self.clock.secs(cx.now);
        let (exit_code, signal, error, output) = match outcome {
            Outcome::Succeeded(output) => {
                (output.exit_code, None, None, Some(output.summary.clone()))
            }
            Outcome::Failed { error, exit_code } => {
                (*exit_code, signal_of(error), Some(error.clone()), None)
            }
            Outcome::Skipped { because } => {
                let name = cx.board.job(*because).map_or("a job", JobView::name);
                (None, None, Some(format!("{name} did not succeed")), None)
            }
            Outcome::Stopped | Outcome::TimedOut | Outcome::Cancelled => (None, None, None, None),
        };
        self.send(Write::Ended(Box::new(Ended {
            job,
            state: JobState::from(outcome.kind()),
            exit_code,
            signal,
            error,
            output,
            at,
            progress,
        })));
        if let RunLeft::Empty(run) = end {
            self.send(Write::EndRun {
                run,
                how: RunEnd::Finished,
                at,
            });
        }
    }

    /// Counts `job`'s end against its run (`run`, when known here);
    /// `None` if the job is not recorded.
    fn end_of(&self, job: JobId, run: Option<RunId>) -> Option<RunLeft> {
        let mut routing = lock(&self.routing);
        let run = match run {
            Some(run) => run,
            None => routing.jobs.get(&job)?.0,
        };
        let live = routing.live.entry(run).or_insert(1);
        *live = live.saturating_sub(1);
        Some(if *live == 0 {
            RunLeft::Empty(run)
        } else {
            RunLeft::Live
        })
    }
}

impl Sink for Journal {
    fn submitted(&mut self, job: &JobView, cx: &SinkContext<'_>) -> io::Result<()> {
        let (run, seq, reopened) = {
            let mut routing = lock(&self.routing);
            let Some((run, seq)) = routing.place(job.id) else {
                return Ok(());
            };
            let live = routing.live.entry(run).or_insert(0);
            *live += 1;
            (run, seq, *live == 1)
        };
        self.runs.put(job.seq, job.id, run);
        if reopened {
            self.send(Write::ReopenRun { run });
        }
        self.send(Write::Queued(Box::new(Queued {
            job: job.id,
            run,
            seq,
            spec: Arc::clone(&job.spec),
            at: self.clock.secs(cx.now),
            log_path: job.spec.full_log(job.id, cx.build),
        })));
        Ok(())
    }

    fn event(&mut self, event: &Event, cx: &SinkContext<'_>) -> io::Result<()> {
        let job = event.job;
        match &event.kind {
            EventKind::Started { worker, attempt } => {
                // A new attempt is a new run on its cluster.
                self.remote_ids.remove(&job);
                self.send(Write::Started {
                    job,
                    attempt: *attempt,
                    worker: *worker,
                    at: self.clock.secs(cx.now),
                });
            }
            EventKind::Process(process) => self.send(Write::Process {
                job,
                process: *process,
            }),
            EventKind::Retrying { error, .. } => self.send(Write::Retrying {
                job,
                error: error.clone(),
            }),
            EventKind::Progress(value) => {
                self.progress.insert(job, *value);
            }
            EventKind::Placed(placement) => {
                if let Some(remote_id) = &placement.remote_id
                    && self.remote_ids.get(&job) != Some(remote_id)
                {
                    self.remote_ids.insert(job, remote_id.clone());
                    self.send(Write::Placed {
                        job,
                        remote_id: remote_id.clone(),
                    });
                }
            }
            EventKind::Finished(outcome) => self.ended(job, outcome, cx),
            EventKind::Samples { .. } | EventKind::Log { .. } | EventKind::StopRequested { .. } => {
            }
        }
        Ok(())
    }

    fn flush(&mut self, cx: &SinkContext<'_>) -> io::Result<()> {
        if !self.progress.is_empty()
            && cx.now.saturating_duration_since(self.progress_written) >= PROGRESS_EVERY
        {
            self.progress_written = cx.now;
            for (job, value) in std::mem::take(&mut self.progress) {
                self.send(Write::Progress { job, value });
            }
        }
        self.send_pending();
        if self.commit_each_round && self.unsynced {
            self.unsynced = false;
            let (reply, done) = crossbeam_channel::bounded(1);
            if self.writes.send(Write::Sync(reply)).is_ok() {
                let _ = done.recv();
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retry_takes_its_originals_run_and_number() {
        let mut routing = Routing {
            run: Some(RunId(1)),
            ..Routing::default()
        };
        let (a, b, c) = (JobId::new(), JobId::new(), JobId::new());
        routing.numbers.insert(a, 7);
        assert_eq!(routing.place(a), Some((RunId(1), 7)));
        assert_eq!(routing.place(b), Some((RunId(1), 8)));
        routing.run = Some(RunId(2));
        routing.retry_of = Some(a);
        assert_eq!(routing.place(c), Some((RunId(1), 7)));
        routing.run = None;
        assert_eq!(routing.place(JobId::new()), None);
    }

    #[test]
    fn runs_by_sequence_number_are_found_once_and_the_window_moves_on() {
        let mut runs = RunsBySeq::default();
        let jobs: Vec<JobId> = (0..4).map(|_| JobId::new()).collect();
        // Numbers 10..14, one of them (12) not recorded.
        runs.put(10, jobs[0], RunId(1));
        runs.put(11, jobs[1], RunId(1));
        runs.put(13, jobs[3], RunId(2));
        // Another job under a recorded number is not taken for it.
        assert_eq!(runs.take(11, jobs[2]), None);
        assert_eq!(runs.take(11, jobs[1]), Some(RunId(1)));
        assert_eq!(runs.take(11, jobs[1]), None, "found once");
        assert_eq!(runs.take(12, jobs[2]), None, "not recorded");
        assert_eq!(runs.take(10, jobs[0]), Some(RunId(1)));
        // The ended front is dropped: only 13 is left.
        assert_eq!((runs.first, runs.slots.len()), (13, 1));
        assert_eq!(runs.take(13, jobs[3]), Some(RunId(2)));
        assert!(runs.slots.is_empty());
        // A number before the window (a board put in place) is not kept.
        runs.put(20, jobs[0], RunId(3));
        runs.put(5, jobs[1], RunId(3));
        assert_eq!(runs.take(5, jobs[1]), None);
    }
}
