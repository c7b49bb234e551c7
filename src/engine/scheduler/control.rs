//! Control by id: stop, cancel, priorities, pausing one job, timeouts, and
//! stopping everything.

use std::time::Instant;

use super::entry::{Phase, Runner};
use super::lookup::Found;
use super::{JobState, State, WindDown};
use crate::engine::cell::{JobCell, StopReason};
use crate::engine::event::Msg;
use crate::engine::hub::Hub;
use crate::engine::new_job::Work;
use crate::engine::{Event, EventKind, JobId, Outcome};

impl State {
    /// Cancels a queued or waiting job, or asks a running one to stop.
    /// Returns whether the job was live.
    ///
    /// A job queued for a retry has run already, so a person's stop ends it
    /// as stopped rather than cancelled; a stop of a running attempt that
    /// timed out turns it into a person's stop, which is never retried.
    pub(crate) fn stop(&mut self, hub: &Hub, id: JobId, reason: StopReason) -> bool {
        let slot = match self.find(&id) {
            None | Some(Found::Ended(_)) => return false,
            Some(Found::Desk(worker)) => {
                let Some(mut desk) = self.express.desk_of(worker) else {
                    return false;
                };
                let Some(run) = desk.current.as_mut() else {
                    return false;
                };
                let cell = std::sync::Arc::clone(&run.cell);
                if stop_attempt(&cell, &mut run.stop_requested, reason) {
                    // `find` closed the lane, so this job's start went out
                    // before this lock was taken (see `express`, invariant 4).
                    drop(desk);
                    self.announce_stop(hub, id, reason);
                }
                return true;
            }
            Some(Found::Slab(slot)) => slot,
        };
        let Some(entry) = self.registry.at_mut(slot) else {
            return false;
        };
        match &mut entry.phase {
            Phase::Running(attempt) => {
                let (changed, callback) = attempt.cell.request_stop(reason);
                if changed {
                    attempt.stop_requested.get_or_insert_with(Instant::now);
                    self.after_unlock.stop_callbacks.extend(callback);
                    self.announce_stop(hub, id, reason);
                }
            }
            Phase::Queued { .. } if entry.attempts > 0 && reason == StopReason::Requested => {
                self.queue.forget_one();
                self.end_unstarted(hub, slot, Outcome::Stopped);
            }
            Phase::Queued { .. } | Phase::Waiting { .. } => {
                self.cancel(hub, id);
            }
        }
        true
    }

    fn announce_stop(&mut self, hub: &Hub, id: JobId, reason: StopReason) {
        self.announce(
            hub,
            Msg::Event(Event {
                job: id,
                kind: EventKind::StopRequested {
                    timed_out: reason == StopReason::TimedOut,
                },
            }),
        );
    }

    /// Cancels a job that has not started. Returns whether it was cancelled.
    pub(crate) fn cancel(&mut self, hub: &Hub, id: JobId) -> bool {
        let Some(Found::Slab(slot)) = self.find(&id) else {
            return false;
        };
        match self.registry.at(slot).map(|entry| &entry.phase) {
            Some(Phase::Queued { .. }) => self.queue.forget_one(),
            Some(Phase::Waiting { .. }) => {}
            Some(Phase::Running(_)) | None => return false,
        }
        self.end_unstarted(hub, slot, Outcome::Cancelled);
        true
    }

    /// Ends the live jobs of `ids` that have not started and, with
    /// `stop_running`, asks those that run to stop. All of it under the lock
    /// the caller holds, with the express lane closed, so none of them
    /// starts in between.
    pub(crate) fn wind_down(&mut self, hub: &Hub, ids: &[JobId], stop_running: bool) -> WindDown {
        self.settle();
        let mut done = WindDown::default();
        for &id in ids {
            match self.job_state(id) {
                Some(JobState::Queued | JobState::Waiting) => {
                    if self.stop(hub, id, StopReason::Requested) {
                        done.unstarted.push(id);
                    }
                }
                Some(JobState::Running { .. }) if stop_running => {
                    if self.stop(hub, id, StopReason::Requested) {
                        done.stopped.push(id);
                    }
                }
                Some(JobState::Running { .. } | JobState::Ended(_)) | None => {}
            }
        }
        done
    }

    /// Stops every running job and cancels everything else.
    pub(crate) fn stop_all(&mut self, hub: &Hub) {
        self.settle();
        let mut ids: Vec<JobId> = self.registry.live().map(|entry| entry.id).collect();
        for (_, desk) in self.express.desks() {
            ids.extend(desk.current.as_ref().map(|run| run.id));
        }
        // Not-yet-started jobs first, so none of them starts in between.
        for &id in &ids {
            self.cancel(hub, id);
        }
        for id in ids {
            self.stop(hub, id, StopReason::Requested);
        }
    }

    /// Moves a queued or waiting job to another priority.
    pub(crate) fn set_priority(&mut self, id: JobId, priority: i32) -> bool {
        let Some(Found::Slab(slot)) = self.find(&id) else {
            return false;
        };
        let Some(entry) = self.registry.at_mut(slot) else {
            return false;
        };
        match entry.phase {
            Phase::Queued { .. } => {
                if entry.priority != priority {
                    entry.priority = priority;
                    let seq = entry.seq;
                    self.queue.forget_one();
                    self.queue.push(priority, seq, slot);
                }
                true
            }
            Phase::Waiting { .. } => {
                entry.priority = priority;
                true
            }
            Phase::Running(_) => false,
        }
    }

    /// Pauses or resumes a live job; one that has not started yet starts
    /// paused. Returns whether it did: false for a job that is not live, or
    /// a remote one whose executor cannot pause.
    pub(crate) fn set_job_paused(&mut self, id: JobId, paused: bool) -> bool {
        let slot = match self.find(&id) {
            None | Some(Found::Ended(_)) => return false,
            Some(Found::Desk(worker)) => {
                let Some(desk) = self.express.desk_of(worker) else {
                    return false;
                };
                let Some(run) = desk.current.as_ref() else {
                    return false;
                };
                run.cell.set_paused(paused);
                return true;
            }
            Some(Found::Slab(slot)) => slot,
        };
        let Some(entry) = self.registry.at_mut(slot) else {
            return false;
        };
        let can_pause = match &entry.phase {
            Phase::Running(attempt) => match &attempt.runner {
                Runner::Remote(job) => job.can_pause(),
                Runner::Worker(_) => true,
            },
            Phase::Queued { work } | Phase::Waiting { work, .. } => match work {
                Work::Remote(job) => job.can_pause(),
                Work::Local(_) => true,
            },
        };
        if !can_pause {
            return false;
        }
        entry.paused = paused;
        if let Some(attempt) = entry.attempt() {
            attempt.cell.set_paused(paused);
        }
        true
    }

    /// The timer's call: attempt `attempt` of `id` reached its deadline.
    pub(crate) fn time_out(&mut self, hub: &Hub, id: JobId, attempt: u32) {
        let Some(Found::Slab(slot)) = self.find(&id) else {
            return;
        };
        let current = self
            .registry
            .at(slot)
            .is_some_and(|entry| entry.attempts == attempt && entry.attempt().is_some());
        if current {
            self.stop(hub, id, StopReason::TimedOut);
        }
    }
}

/// Asks an express job's attempt to stop; returns whether that changed
/// anything.
fn stop_attempt(cell: &JobCell, stop_requested: &mut Option<Instant>, reason: StopReason) -> bool {
    let (changed, _) = cell.request_stop(reason);
    if changed {
        stop_requested.get_or_insert_with(Instant::now);
    }
    changed
}
