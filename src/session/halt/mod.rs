//! Halt policies: ending a batch early when enough of its jobs failed (or
//! succeeded), as GNU parallel's `--halt` and concurrent.futures'
//! `FIRST_EXCEPTION` do.
//!
//! A [`HaltSink`] watches the jobs of one batch (a job file's, say) and
//! counts those that end the way its [`HaltPolicy`] counts. When the count
//! reaches the threshold, it acts through the pool at once, while it hears
//! the event that tripped it: every job of the batch that has not started
//! is ended ([`Pool::wind_down`](crate::engine::Pool::wind_down), under one
//! lock, so none starts in between), and with `now` every running one is
//! stopped as Stop does (a command's whole process group: SIGTERM, then
//! SIGKILL after its grace period). With `soon`, running jobs finish; one
//! that fails and is queued for a retry is ended instead of run again.
//!
//! Jobs that started between the end that tripped the policy and the
//! moment the session heard of it (a worker picks its next job at once)
//! are running when it trips: `now` stops them. The policy trips once; what
//! it did is kept in a [`Halted`] that its [`HaltWatch`] reads.

mod policy;

use std::cell::RefCell;
use std::fmt;
use std::io;
use std::rc::Rc;

use crate::board::JobView;
use crate::engine::{Event, EventKind, JobId, JobIdSet, Outcome, OutcomeKind};

use super::{Sink, SinkContext};

pub use policy::{HaltPolicy, HaltPolicyError, HaltPolicyOrNever, HaltWhen, HaltWhy, Threshold};

/// What a tripped halt policy did, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Halted {
    /// The policy that tripped.
    pub policy: HaltPolicy,
    /// The job whose end tripped it.
    pub job: JobId,
    /// That job's name.
    pub name: String,
    /// How that job ended.
    pub outcome: OutcomeKind,
    /// Its error, when it failed.
    pub error: Option<String>,
    /// Running jobs that were asked to stop (`now`).
    pub stopped: usize,
    /// Jobs that had not started and never will.
    pub unstarted: usize,
}

/// `halted (now,fail=1): "b" failed (exited with code 1); stopped 1
/// running job, 17 jobs not started`.
impl fmt::Display for Halted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ended = self.outcome.as_str().replace('_', " ");
        write!(f, "halted ({}): \"{}\" {ended}", self.policy, self.name)?;
        if let Some(error) = &self.error {
            // On one line: a command's error ends with its last lines on
            // stderr.
            let error: Vec<&str> = error.lines().collect();
            write!(f, " ({})", error.join(" "))?;
        }
        let plural = |count: usize| if count == 1 { "" } else { "s" };
        if self.policy.when == HaltWhen::Now {
            write!(
                f,
                "; stopped {} running job{}",
                self.stopped,
                plural(self.stopped)
            )?;
        } else {
            f.write_str("; running jobs were let finish")?;
        }
        write!(
            f,
            ", {} job{} not started",
            self.unstarted,
            plural(self.unstarted)
        )
    }
}

/// Reads what a [`HaltSink`] did, from outside the session that owns the
/// sink (the run loop, the window).
#[derive(Clone, Debug, Default)]
pub struct HaltWatch(Rc<RefCell<Option<Halted>>>);

impl HaltWatch {
    /// What the policy did, once it tripped.
    #[must_use]
    pub fn halted(&self) -> Option<Halted> {
        self.0.borrow().clone()
    }
}

/// Watches the jobs of one batch and ends the batch when its policy trips;
/// see the module docs.
pub struct HaltSink {
    policy: HaltPolicy,
    /// The jobs of the batch, in submission order (the order they are
    /// ended in); forgotten once every one has ended.
    ids: Vec<JobId>,
    /// Those that have not ended.
    live: JobIdSet,
    /// The batch's size, for percentages.
    jobs: usize,
    counted: usize,
    halted: HaltWatch,
}

impl HaltSink {
    /// A sink applying `policy` to the jobs `ids` (a whole batch, before it
    /// is submitted), and the watch that reads what it did.
    pub fn new(policy: HaltPolicy, ids: impl IntoIterator<Item = JobId>) -> (Self, HaltWatch) {
        let ids: Vec<JobId> = ids.into_iter().collect();
        let halted = HaltWatch::default();
        let sink = Self {
            policy,
            live: ids.iter().copied().collect(),
            jobs: ids.len(),
            ids,
            counted: 0,
            halted: halted.clone(),
        };
        (sink, halted)
    }

    fn is_tripped(&self) -> bool {
        self.halted.0.borrow().is_some()
    }

    /// Ends the batch: see the module docs.
    fn trip(&mut self, id: JobId, outcome: &Outcome, cx: &SinkContext<'_>) {
        let done = cx
            .pool
            .wind_down(&self.ids, self.policy.when == HaltWhen::Now);
        let name = cx
            .board
            .job(id)
            .map_or_else(|| id.short(), |job| job.name().to_owned());
        let error = match outcome {
            Outcome::Failed { error, .. } => Some(error.clone()),
            _ => None,
        };
        *self.halted.0.borrow_mut() = Some(Halted {
            policy: self.policy,
            job: id,
            name,
            outcome: outcome.kind(),
            error,
            stopped: done.stopped.len(),
            unstarted: done.unstarted.len(),
        });
    }
}

impl Sink for HaltSink {
    fn submitted(&mut self, _job: &JobView, _cx: &SinkContext<'_>) -> io::Result<()> {
        Ok(())
    }

    fn event(&mut self, event: &Event, cx: &SinkContext<'_>) -> io::Result<()> {
        if !self.live.contains(&event.job) {
            return Ok(());
        }
        if event.kind.is_terminal() {
            self.live.remove(&event.job);
            if self.live.is_empty() {
                // The batch is over: nothing more to watch or to end.
                self.ids = Vec::new();
                self.live = JobIdSet::default();
            }
        }
        match &event.kind {
            EventKind::Finished(outcome)
                if !self.is_tripped() && self.policy.counts(outcome.kind()) =>
            {
                self.counted += 1;
                if self.policy.is_tripped(self.counted, self.jobs) {
                    self.trip(event.job, outcome, cx);
                }
            }
            // After a `soon` halt, a failed attempt is not run again.
            EventKind::Retrying { .. } if self.is_tripped() => {
                cx.pool.wind_down(&[event.job], false);
            }
            _ => {}
        }
        Ok(())
    }
}
