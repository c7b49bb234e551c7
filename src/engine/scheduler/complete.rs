//! Completion: recording how an attempt ended, which retries it, ends the
//! job, or releases and skips the jobs waiting for it.

use std::sync::Arc;

use super::State;
use super::entry::{Attempt, Entry, Phase, Runner};
use super::registry::Slot;
use crate::engine::cell::{JobCell, StopReason};
use crate::engine::event::Msg;
use crate::engine::hub::Hub;
use crate::engine::new_job::Work;
use crate::engine::{Event, EventKind, Job, JobId, Outcome, OutcomeKind, Output};

/// What a run that did not succeed came back with.
pub(crate) enum RunFailure {
    Stopped,
    /// Timed out by a clock of the job's own (a remote executor's, which
    /// counts only the time the job ran).
    TimedOut,
    Failed {
        error: String,
        exit_code: Option<i32>,
    },
}

/// How a run ended, given what it returned and the stop asked of it. A
/// person's stop wins over a timeout, and either over a failure.
pub(crate) fn outcome_of(result: Result<Output, RunFailure>, stop: Option<StopReason>) -> Outcome {
    match (result, stop) {
        (Ok(output), _) => Outcome::Succeeded(output),
        (Err(_), Some(StopReason::Requested)) | (Err(RunFailure::Stopped), None) => {
            Outcome::Stopped
        }
        (Err(_), Some(StopReason::TimedOut)) | (Err(RunFailure::TimedOut), None) => {
            Outcome::TimedOut
        }
        (Err(RunFailure::Failed { error, exit_code }), None) => {
            Outcome::Failed { error, exit_code }
        }
    }
}

/// What [`State::complete`] leaves to its caller.
#[derive(Default)]
pub(crate) struct Completion {
    /// The job ended and nothing waits for it: its `Finished` event, for
    /// the caller to send before it releases the lock (it may travel with
    /// the worker's next start).
    pub(crate) ended: Option<(JobId, Outcome)>,
    /// A job the worker kept for a retry that did not happen, to drop
    /// outside the lock.
    pub(crate) leftover: Option<Box<dyn Job>>,
}

impl State {
    /// Records how the attempt in slab slot `slot` ended. `job` is the local
    /// job if its worker kept it for a retry.
    pub(crate) fn complete(
        &mut self,
        hub: &Hub,
        slot: Slot,
        job: Option<Box<dyn Job>>,
        result: Result<Output, RunFailure>,
    ) -> Completion {
        let Some(entry) = self.registry.take_out(slot) else {
            return Completion::default();
        };
        let attempt = match entry.phase {
            Phase::Running(attempt) => attempt,
            phase => {
                self.registry.put_back(slot, Entry { phase, ..entry });
                return Completion::default();
            }
        };
        let Attempt { cell, runner, .. } = attempt;
        self.running -= 1;
        let work = match runner {
            Runner::Remote(job) => {
                self.remote_running -= 1;
                Some(Work::Remote(job))
            }
            Runner::Worker(_) => job.map(Work::Local),
        };
        let outcome = outcome_of(result, cell.stop_reason());
        self.keep_cell(cell);
        let retry = matches!(outcome, Outcome::Failed { .. } | Outcome::TimedOut)
            && entry.retries_left > 0
            && !self.shutting_down;
        let work = match work {
            Some(work) if retry => {
                let error = match outcome {
                    Outcome::Failed { error, .. } => error,
                    _ => "timed out".to_owned(),
                };
                self.announce(
                    hub,
                    Msg::Event(Event {
                        job: entry.id,
                        kind: EventKind::Retrying {
                            attempt: entry.attempts,
                            error,
                        },
                    }),
                );
                self.queue.push(entry.priority, entry.seq, slot);
                self.registry.put_back(
                    slot,
                    Entry {
                        retries_left: entry.retries_left - 1,
                        phase: Phase::Queued { work },
                        ..entry
                    },
                );
                return Completion::default();
            }
            work => work,
        };
        let leftover = match work {
            Some(Work::Local(job)) => Some(job),
            Some(Work::Remote(_)) | None => None,
        };
        let id = entry.id;
        self.registry
            .release(slot, id, entry.indexed, outcome.kind());
        Completion {
            ended: self.ended_now(hub, id, outcome),
            leftover,
        }
    }

    /// Records how the express job `id` on `worker`'s desk ended, when its
    /// worker did not hand it over (see `Express::hand_over`). Returns the `Finished` event to send, like
    /// [`complete`](Self::complete).
    pub(crate) fn complete_on_desk(
        &mut self,
        hub: &Hub,
        worker: usize,
        id: JobId,
        cell: Arc<JobCell>,
        result: Result<Output, RunFailure>,
    ) -> Option<(JobId, Outcome)> {
        if let Some(mut desk) = self.express.desk_of(worker) {
            desk.current = None;
        }
        self.running -= 1;
        let outcome = outcome_of(result, cell.stop_reason());
        self.keep_cell(cell);
        self.registry.note_ended(id, outcome.kind());
        self.ended_now(hub, id, outcome)
    }

    /// A job just ended and is recorded as such. If jobs wait for it, tells
    /// the consumer now and releases or skips them; otherwise hands the
    /// event back for the caller to send.
    fn ended_now(&mut self, hub: &Hub, id: JobId, outcome: Outcome) -> Option<(JobId, Outcome)> {
        if !self.dependents.contains_key(&id) {
            return Some((id, outcome));
        }
        let kind = outcome.kind();
        self.send_finished(hub, id, outcome);
        self.settle_dependents(hub, id, kind);
        None
    }

    pub(crate) fn send_finished(&mut self, hub: &Hub, id: JobId, outcome: Outcome) {
        self.announce(
            hub,
            Msg::Event(Event {
                job: id,
                kind: EventKind::Finished(outcome),
            }),
        );
    }

    /// Ends a job that never started (cancelled), telling the consumer and
    /// settling its dependents.
    pub(super) fn end_unstarted(&mut self, hub: &Hub, slot: Slot, outcome: Outcome) {
        let Some(entry) = self.registry.take_out(slot) else {
            return;
        };
        let kind = outcome.kind();
        self.registry.release(slot, entry.id, entry.indexed, kind);
        self.send_finished(hub, entry.id, outcome);
        self.settle_dependents(hub, entry.id, kind);
    }

    /// Releases the jobs waiting for `id`, which ended as `kind`, when it
    /// succeeded; skips them (and theirs, transitively) when not.
    fn settle_dependents(&mut self, hub: &Hub, id: JobId, kind: OutcomeKind) {
        let mut ended = vec![(id, kind)];
        while let Some((current, kind)) = ended.pop() {
            for dependent in self.dependents.remove(&current).unwrap_or_default() {
                let Some(slot) = self.registry.slot(&dependent) else {
                    continue;
                };
                let Some(entry) = self.registry.at_mut(slot) else {
                    continue;
                };
                let Phase::Waiting { unmet, .. } = &mut entry.phase else {
                    continue;
                };
                if kind.is_success() {
                    *unmet -= 1;
                    if *unmet == 0 {
                        self.release_waiting(slot);
                    }
                } else {
                    let skipped = Outcome::Skipped { because: current };
                    let Some(entry) = self.registry.take_out(slot) else {
                        continue;
                    };
                    self.registry
                        .release(slot, entry.id, entry.indexed, skipped.kind());
                    self.send_finished(hub, dependent, skipped);
                    ended.push((dependent, OutcomeKind::Skipped));
                }
            }
        }
    }

    /// Queues a waiting job whose dependencies all succeeded.
    fn release_waiting(&mut self, slot: Slot) {
        let Some(entry) = self.registry.take_out(slot) else {
            return;
        };
        let phase = match entry.phase {
            Phase::Waiting { work, .. } => {
                self.queue.push(entry.priority, entry.seq, slot);
                Phase::Queued { work }
            }
            phase => phase,
        };
        self.registry.put_back(slot, Entry { phase, ..entry });
    }
}

impl State {
    /// Records how attempt `attempt` of the remote job `id` in slot `slot`
    /// ended, as its handle reported, and tells the consumer.
    pub(crate) fn complete_remote(
        &mut self,
        hub: &Hub,
        slot: Slot,
        id: JobId,
        attempt: u32,
        result: Result<Output, RunFailure>,
    ) {
        let in_flight = self.registry.at(slot).is_some_and(|entry| {
            entry.id == id
                && entry.attempts == attempt
                && matches!(
                    &entry.phase,
                    Phase::Running(Attempt {
                        runner: Runner::Remote(_),
                        ..
                    })
                )
        });
        if !in_flight {
            return;
        }
        if let Some((id, outcome)) = self.complete(hub, slot, None, result).ended {
            self.send_finished(hub, id, outcome);
        }
    }
}

impl State {
    /// A worker thread died outside any job (a bug in the engine): counts it
    /// out, and fails the job it ran, if any.
    pub(crate) fn worker_died(
        &mut self,
        hub: &Hub,
        worker: usize,
        running: Option<(JobId, super::Seat)>,
    ) {
        self.workers.alive -= 1;
        self.workers.idle.retain(|&idle| idle != worker);
        self.workers.free_slot(worker);
        let failure = || RunFailure::Failed {
            error: "its worker thread died".to_owned(),
            exit_code: None,
        };
        let ended = match running {
            None => None,
            Some((_, super::Seat::Slab(slot))) => {
                self.complete(hub, slot, None, Err(failure())).ended
            }
            Some((id, super::Seat::Desk)) => {
                let cell = self
                    .express
                    .desk_of(worker)
                    .and_then(|mut desk| desk.current.take())
                    .map(|run| run.cell);
                match cell {
                    Some(cell) => self.complete_on_desk(hub, worker, id, cell, Err(failure())),
                    // It ended already, announced under its desk's lock.
                    None => None,
                }
            }
        };
        if let Some((id, outcome)) = ended {
            self.send_finished(hub, id, outcome);
        }
    }
}
