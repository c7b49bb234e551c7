//! Finding jobs by id, wherever they are, and what the pool reports about
//! them.

use super::entry::{Entry, Phase, Runner};
use super::registry::{Place, Slot};
use super::{JobState, PoolCounts, State};
use crate::engine::{JobId, OutcomeKind};

/// Where a job the pool knows is now; see [`State::find`].
pub(super) enum Found {
    Slab(Slot),
    /// Running on this worker's desk.
    Desk(usize),
    Ended(OutcomeKind),
}

impl State {
    /// Where job `id` is; every lookup by id goes through here. What it
    /// returns stays true while the lock is held.
    ///
    /// Jobs in the slab or ended are found as they are. A job on a desk
    /// could end at any moment while the express lane is open, so finding
    /// one closes the lane and looks again. A job not found (or known to be
    /// in the express lane) may wait in the inbox, or be moving from the
    /// inbox onto a desk, so a miss settles the state (see
    /// [`settle`](Self::settle)) and looks again.
    pub(super) fn find(&mut self, id: &JobId) -> Option<Found> {
        match self.look_up(id) {
            Some(Found::Desk(_)) if self.express.is_open() => self.express.close(),
            Some(found) => return Some(found),
            None => self.settle(),
        }
        self.look_up(id)
    }

    fn look_up(&mut self, id: &JobId) -> Option<Found> {
        self.file_desks();
        match self.registry.place(id) {
            Some(Place::Live(slot)) => return Some(Found::Slab(slot)),
            Some(Place::Ended(kind)) => return Some(Found::Ended(kind)),
            Some(Place::Express) | None => {}
        }
        self.express
            .desks()
            .find(|(_, desk)| desk.current.as_ref().is_some_and(|run| run.id == *id))
            .map(|(worker, _)| Found::Desk(worker))
    }

    /// Moves the ends the workers noted on their desks into the registry.
    fn file_desks(&mut self) {
        for (_, mut desk) in self.express.desks() {
            for (id, kind) in desk.ended.drain(..) {
                self.registry.note_ended(id, kind);
            }
        }
    }

    /// Puts every job where a lookup by id finds it, and keeps it there while
    /// the lock is held: the express lane closes, and the inbox moves into the
    /// slab and the queue.
    pub(crate) fn settle(&mut self) {
        self.express.close();
        self.admit_inbox();
        self.file_desks();
    }

    /// Moves the inbox into the slab and the queue, in submission order. Only
    /// while the express lane is closed: then the inbox is read here alone.
    pub(crate) fn admit_inbox(&mut self) {
        while let Some(job) = self.express.next_in_inbox() {
            let seq = self.take_seq();
            let index = job.chosen_id;
            let slot = self.registry.insert(Entry::from_express(job, seq), index);
            self.queue.push(0, seq, slot);
        }
    }

    /// The next submission number.
    pub(super) fn take_seq(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }

    /// How `id` ended, if it has.
    pub(super) fn ended(&mut self, id: &JobId) -> Option<OutcomeKind> {
        match self.find(id)? {
            Found::Ended(kind) => Some(kind),
            Found::Slab(_) | Found::Desk(_) => None,
        }
    }

    pub(crate) fn job_state(&mut self, id: JobId) -> Option<JobState> {
        match self.find(&id)? {
            Found::Ended(kind) => Some(JobState::Ended(kind)),
            Found::Desk(worker) => {
                let desk = self.express.desk_of(worker)?;
                let run = desk.current.as_ref()?;
                Some(JobState::Running {
                    worker: Some(worker),
                    started: run.started,
                    attempt: 1,
                    stop_requested: run.stop_requested,
                })
            }
            Found::Slab(slot) => {
                let entry = self.registry.at(slot)?;
                Some(match &entry.phase {
                    Phase::Waiting { .. } => JobState::Waiting,
                    Phase::Queued { .. } => JobState::Queued,
                    Phase::Running(attempt) => JobState::Running {
                        worker: match attempt.runner {
                            Runner::Worker(worker) => Some(worker),
                            Runner::Remote(_) => None,
                        },
                        started: attempt.started,
                        attempt: entry.attempts,
                        stop_requested: attempt.stop_requested,
                    },
                })
            }
        }
    }

    pub(crate) fn counts(&self) -> PoolCounts {
        let waiting = self
            .registry
            .live()
            .filter(|entry| matches!(entry.phase, Phase::Waiting { .. }))
            .count();
        PoolCounts {
            waiting,
            queued: self.queue.len() + self.express.inbox.len(),
            running: self.running,
        }
    }
}
