//! One fold of engine events for every consumer.
//!
//! A [`Session`] owns a [`Pool`], the pool's [`EventReceiver`] and the
//! [`Board`]. Jobs go in through it ([`Session::submit`] takes a
//! [`Plan`] of [`JobSpec`]s; [`Session::retry`] submits an ended job's spec
//! again) and every event comes out through it ([`Session::drain`],
//! [`Session::wait`]). The window and `jobdeck run` (human or JSON) are
//! both driven this way, so they read the same events in the same order,
//! and anything that plugs in as a [`Sink`] sees exactly what they see.
//!
//! What happens, in order:
//! - **Submission.** The plan's engine jobs (and its barriers) go to the
//!   pool in one batch, all or nothing. Then each job's row is added to the
//!   board (queued), and every sink's [`Sink::submitted`] hears of it with
//!   its id, sequence number and spec, in plan order, before any event of
//!   the plan is folded (events wait in the channel meanwhile).
//! - **Each event**, in the order the pool sent it: events of barriers
//!   ([`Barrier`](crate::jobspec::Barrier), the one node that stands for a
//!   whole batch in dependencies) are kept back, since a barrier is not a
//!   job; a job skipped because of a barrier is reported as skipped because
//!   of the batch's member that did not succeed. Then every sink's
//!   [`Sink::event`] hears it with the board as it was just before, and
//!   then the board folds it.
//! - **End of a round.** A drain stops when the channel is empty or its
//!   time budget is spent (the window draws in between; more waits for the
//!   next round). Then every sink's [`Sink::flush`] is called with the board
//!   caught up.
//!
//! A journal plugs in as one more sink: `session.add_sink(Box::new(journal))`
//! before the first submission. It learns each job at `submitted` (id,
//! `seq`, the full `JobSpec`) and then every event of it, and may batch its
//! writes until `flush`.
//!
//! No egui here and no threads: the caller drives the session from its own
//! thread (the window once per frame, the run loop until every job ended).

mod barriers;
mod halt;
mod sink;

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::RecvTimeoutError;

use crate::board::{Board, JobView};
use crate::engine::{EngineError, Event, EventReceiver, JobId, Pool};
use crate::jobspec::{After, BuildContext, JobSpec, Plan};

use barriers::Barriers;
pub use halt::{
    HaltPolicy, HaltPolicyError, HaltPolicyOrNever, HaltSink, HaltWatch, HaltWhen, HaltWhy, Halted,
    Threshold,
};
pub use sink::{Sink, SinkContext};

/// How many events are folded between two looks at the clock: reading the
/// clock costs more than folding an event.
const CLOCK_EVERY: usize = 64;

/// The pool, its events and the board, driven as one; see the module docs.
pub struct Session {
    pool: Pool,
    events: EventReceiver,
    board: Board,
    context: BuildContext,
    sinks: Vec<Box<dyn Sink>>,
    barriers: Barriers,
}

/// What a drain round did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Drained {
    /// Events folded (barriers' included).
    pub events: usize,
    /// Whether the time budget ran out with events still waiting.
    pub more: bool,
}

/// A submission that did not go through, or went through unheard.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// The pool refused the jobs; none was queued.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The jobs were queued, but a sink failed to hear of them.
    #[error("{0}")]
    Sink(#[source] io::Error),
}

impl Session {
    /// A session over a new pool of `max_threads`, building jobs with
    /// `context`, with an empty board and no sinks.
    ///
    /// # Errors
    /// When the pool cannot be created (`max_threads` out of range).
    pub fn new(max_threads: usize, context: BuildContext) -> Result<Self, EngineError> {
        let (pool, events) = Pool::new(max_threads)?;
        Ok(Self {
            pool,
            events,
            board: Board::new(),
            context,
            sinks: Vec::new(),
            barriers: Barriers::default(),
        })
    }

    /// Adds a sink; it hears of jobs submitted and events folded from now
    /// on.
    pub fn add_sink(&mut self, sink: Box<dyn Sink>) {
        self.sinks.push(sink);
    }

    /// The board every event is folded into.
    #[must_use]
    pub fn board(&self) -> &Board {
        &self.board
    }

    /// The pool, for everything but submitting: stop, cancel, pause, the
    /// thread cap, the waker.
    #[must_use]
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// What jobs are built with.
    #[must_use]
    pub fn context(&self) -> &BuildContext {
        &self.context
    }

    /// Changes what jobs submitted from now on are built with.
    pub fn context_mut(&mut self) -> &mut BuildContext {
        &mut self.context
    }

    /// Shows `board` instead of the current one and returns that (for
    /// benchmarks and tests that need a board filled without running jobs;
    /// sinks hear nothing of it).
    pub fn replace_board(&mut self, board: Board) -> Board {
        std::mem::replace(&mut self.board, board)
    }

    /// Submits every job of `plan` (and its barriers) to the pool, all or
    /// nothing, then adds their rows to the board and tells every sink.
    ///
    /// # Errors
    /// [`SubmitError::Engine`] when the pool refuses the jobs (then nothing
    /// changed); [`SubmitError::Sink`] when a sink failed to hear of them
    /// (they are queued and on the board all the same).
    pub fn submit(&mut self, plan: Plan) -> Result<(), SubmitError> {
        self.pool.submit_all(plan.build(&self.context))?;
        for barrier in plan.barriers {
            self.barriers.add(barrier);
        }
        let now = Instant::now();
        let ids: Vec<JobId> = plan.jobs.iter().map(|planned| planned.id).collect();
        for planned in plan.jobs {
            self.board.add_job(planned.id, planned.spec, now);
        }
        let cx = SinkContext {
            board: &self.board,
            pool: &self.pool,
            build: &self.context,
            now,
            job: None,
        };
        let mut heard = Ok(());
        for id in ids {
            let Some(job) = self.board.job(id) else {
                continue;
            };
            for sink in &mut self.sinks {
                keep_first_error(&mut heard, sink.submitted(job, &cx));
            }
        }
        // Sinks may hold what they heard until a flush (the journal does):
        // what comes after the submission must find it written out.
        keep_first_error(&mut heard, self.flush(now));
        heard.map_err(SubmitError::Sink)
    }

    /// Runs an ended job again: its row is replaced by a new job built from
    /// the same spec. It waits for the jobs its spec names in `after` that
    /// are queued or running now (retried ones, for example); those that
    /// ended are not waited for. Returns the new job's id, or `None` when
    /// `id` is not an ended job on the board.
    ///
    /// # Errors
    /// As [`submit`](Self::submit); when the pool refuses the job, its old
    /// row is gone all the same.
    pub fn retry(&mut self, id: JobId) -> Result<Option<JobId>, SubmitError> {
        let Some(job) = self.board.job(id) else {
            return Ok(None);
        };
        let spec = Arc::clone(&job.spec);
        if !self.board.remove(id) {
            return Ok(None);
        }
        let after = self.live_jobs_named_by(&spec);
        let plan = Plan::single(spec, after);
        let new_id = plan.jobs[0].id;
        self.submit(plan)?;
        Ok(Some(new_id))
    }

    /// Forgets an ended job's row; see [`Board::remove`].
    pub fn remove(&mut self, id: JobId) -> bool {
        self.board.remove(id)
    }

    /// Pauses (`true`) or resumes a live job, in the pool and on the board
    /// (no event reports it). Returns whether the pool took it: false for
    /// a job that ended, or a remote job whose executor cannot pause.
    pub fn set_job_paused(&mut self, id: JobId, paused: bool) -> bool {
        let taken = self.pool.set_job_paused(id, paused);
        if taken {
            self.board.set_paused(id, paused);
        }
        taken
    }

    /// Gives a job that has not started a new priority in the queue (higher
    /// starts first), in the pool and on the board. Returns whether the
    /// pool took it: false once the job started.
    pub fn set_priority(&mut self, id: JobId, priority: i32) -> bool {
        let taken = self.pool.set_priority(id, priority);
        if taken {
            self.board.set_priority(id, priority);
        }
        taken
    }

    /// Folds the events waiting now, for at most about `budget`, then
    /// flushes every sink.
    ///
    /// # Errors
    /// The first error a sink returned; every event was folded all the same.
    pub fn drain(&mut self, budget: Duration) -> io::Result<Drained> {
        let start = Instant::now();
        let mut now = start;
        let mut heard = Ok(());
        let mut drained = Drained::default();
        while let Ok(event) = self.events.try_recv() {
            keep_first_error(&mut heard, self.fold(event, now));
            drained.events += 1;
            if drained.events.is_multiple_of(CLOCK_EVERY) {
                now = Instant::now();
                if now - start > budget {
                    drained.more = true;
                    break;
                }
            }
        }
        keep_first_error(&mut heard, self.flush(now));
        heard.map(|()| drained)
    }

    /// Waits up to `timeout` for an event, then drains as
    /// [`drain`](Self::drain) does (sinks are flushed even when none came).
    ///
    /// # Errors
    /// The first error a sink returned.
    pub fn wait(&mut self, timeout: Duration, budget: Duration) -> io::Result<Drained> {
        match self.events.recv_timeout(timeout) {
            Ok(event) => {
                let first = self.fold(event, Instant::now());
                let mut drained = self.drain(budget)?;
                drained.events += 1;
                first.map(|()| drained)
            }
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
                self.flush(Instant::now()).map(|()| Drained::default())
            }
        }
    }

    /// One event: barriers' kept back, then every sink, then the board.
    fn fold(&mut self, mut event: Event, now: Instant) -> io::Result<()> {
        if self.barriers.absorb(&event, &self.board) {
            return Ok(());
        }
        self.barriers.explain(&mut event, &self.board);
        let mut heard = Ok(());
        if !self.sinks.is_empty() {
            let cx = SinkContext {
                board: &self.board,
                pool: &self.pool,
                build: &self.context,
                now,
                job: self.board.job(event.job),
            };
            for sink in &mut self.sinks {
                keep_first_error(&mut heard, sink.event(&event, &cx));
            }
        }
        self.board.apply_at(event, now);
        heard
    }

    fn flush(&mut self, now: Instant) -> io::Result<()> {
        let cx = SinkContext {
            board: &self.board,
            pool: &self.pool,
            build: &self.context,
            now,
            job: None,
        };
        let mut heard = Ok(());
        for sink in &mut self.sinks {
            keep_first_error(&mut heard, sink.flush(&cx));
        }
        heard
    }

    /// The queued or running jobs that `spec`'s `after` names.
    fn live_jobs_named_by(&self, spec: &JobSpec) -> Vec<JobId> {
        if spec.after.is_empty() {
            return Vec::new();
        }
        self.board
            .jobs()
            .iter()
            .filter(|job| !job.lifecycle.is_ended() && is_named_by(job, &spec.after))
            .map(|job| job.id)
            .collect()
    }
}

/// Whether `after` names `job` (by its name, or by its batch).
fn is_named_by(job: &JobView, after: &[After]) -> bool {
    after.iter().any(|after| match after {
        After::Job(name) => job.spec.name == *name,
        After::Batch(batch) => job.spec.batch.as_ref() == Some(batch),
    })
}

/// Keeps the first error of several calls that all have to be made.
fn keep_first_error(first: &mut io::Result<()>, next: io::Result<()>) {
    if first.is_ok() {
        *first = next;
    }
}

#[cfg(test)]
mod tests;
