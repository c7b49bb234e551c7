//! Dispatch: picking the job that starts next, and starting it on a worker
//! or, for a remote job, with its executor.

use std::cmp::Reverse;
use std::sync::Arc;
use std::time::Instant;

use super::entry::{Attempt, Entry, Phase, Runner};
use super::registry::Slot;
use super::{RemoteStart, State};
use crate::engine::cell::JobCell;
use crate::engine::event::Msg;
use crate::engine::hub::Hub;
use crate::engine::new_job::{ExpressJob, Work};
use crate::engine::{Event, EventKind, Job, JobId};

/// A job handed to a worker to run.
pub(crate) struct Dispatch {
    pub(crate) id: JobId,
    pub(crate) seat: Seat,
    pub(crate) cell: Arc<JobCell>,
    pub(crate) job: Box<dyn Job>,
    pub(crate) attempt: u32,
    /// Whether a failed attempt may run again, so the worker keeps the job
    /// rather than dropping it when the run returns.
    pub(crate) may_retry: bool,
}

impl Dispatch {
    /// The job's `Started` event, on worker `worker`.
    pub(crate) fn started(&self, worker: usize) -> Msg {
        Msg::Event(Event {
            job: self.id,
            kind: EventKind::Started {
                worker: Some(worker),
                attempt: self.attempt,
            },
        })
    }
}

/// Where the scheduler keeps a job a worker runs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Seat {
    /// In the slab.
    Slab(Slot),
    /// On the desk of the worker that runs it (an express job).
    Desk,
}

/// A job [`State::pick`] took.
enum Picked {
    Express(ExpressJob),
    Slab(Slot),
}

impl State {
    /// Starts the job that comes next on `worker`, if it is a local one and
    /// the cap and the pause let it start. The caller announces the start.
    ///
    /// A remote job next is left to `Shared::staff`, which runs after the
    /// caller announced what it has to (the end of the worker's last job,
    /// say), so that the events keep the order of the changes.
    pub(crate) fn next_for(&mut self, hub: &Hub, worker: usize) -> Option<Dispatch> {
        if !self.local_job_next() {
            return None;
        }
        match self.pick()? {
            Picked::Express(job) => {
                let cell = self.fresh_cell(job.id, false);
                self.running += 1;
                Some(self.express.seat(worker, job, cell))
            }
            Picked::Slab(slot) => self.start_picked(hub, slot, Some(worker)),
        }
    }

    /// Whether the job that may start next is a local one.
    fn local_job_next(&mut self) -> bool {
        if !self.has_room() {
            return false;
        }
        if self.express.is_open() && !self.may_open_express() {
            self.express.close();
        }
        if self.express.is_open() {
            return self.express.inbox.len() > 0;
        }
        let Some(slot) = self.valid_front() else {
            return false;
        };
        matches!(
            self.registry.at(slot).map(|entry| &entry.phase),
            Some(Phase::Queued {
                work: Work::Local(_)
            })
        )
    }

    /// Starts the remote jobs at the front of the queue, as far as the cap
    /// lets them. Returns whether a job for a worker is next.
    pub(crate) fn start_remote_at_front(&mut self, hub: &Hub) -> bool {
        loop {
            if self.local_job_next() {
                return true;
            }
            if !self.has_room() || self.express.is_open() {
                return false;
            }
            let Some(slot) = self.valid_front() else {
                return false;
            };
            self.queue.pop_place();
            self.queue.taken();
            self.start_picked(hub, slot, None);
        }
    }

    /// The slot of the first valid place in the queue, dropping stale ones.
    fn valid_front(&mut self) -> Option<Slot> {
        loop {
            let (priority, seq, slot) = self.queue.front_place()?;
            if self
                .registry
                .at(slot)
                .is_some_and(|entry| entry.is_queued_at(priority, seq))
            {
                return Some(slot);
            }
            self.queue.pop_place();
        }
    }

    /// The job that starts next, if the cap and the pause let one start:
    /// the queue's first, or while the express lane is open (and so the
    /// queue is empty), the inbox's.
    fn pick(&mut self) -> Option<Picked> {
        if !self.has_room() {
            return None;
        }
        if self.express.is_open() && !self.may_open_express() {
            // This lock's holder queued a job (a retry, say), which comes
            // before the inbox: that is admitted behind it.
            self.express.close();
        }
        if self.express.is_open() {
            return self.express.next_in_inbox().map(Picked::Express);
        }
        let slot = self.valid_front()?;
        self.queue.pop_place();
        self.queue.taken();
        Some(Picked::Slab(slot))
    }

    /// Starts the picked job in slab slot `slot`: a local one on `worker`
    /// (returned for it to run), a remote one with its executor once the
    /// lock is released. A local job with no worker given goes back.
    fn start_picked(&mut self, hub: &Hub, slot: Slot, worker: Option<usize>) -> Option<Dispatch> {
        let entry = self.registry.take_out(slot)?;
        let started = Instant::now();
        let attempt = entry.attempts + 1;
        let (runner, work) = match entry.phase {
            Phase::Queued {
                work: Work::Local(job),
            } => {
                let Some(worker) = worker else {
                    let phase = Phase::Queued {
                        work: Work::Local(job),
                    };
                    self.queue.push(entry.priority, entry.seq, slot);
                    self.registry.put_back(slot, Entry { phase, ..entry });
                    return None;
                };
                (Runner::Worker(worker), Work::Local(job))
            }
            Phase::Queued {
                work: Work::Remote(job),
            } => (Runner::Remote(Arc::clone(&job)), Work::Remote(job)),
            phase @ (Phase::Waiting { .. } | Phase::Running(_)) => {
                self.registry.put_back(slot, Entry { phase, ..entry });
                return None;
            }
        };
        let cell = self.fresh_cell(entry.id, entry.paused);
        if let Some(deadline) = entry.timeout.and_then(|t| started.checked_add(t)) {
            self.deadlines.push(Reverse((deadline, entry.id, attempt)));
            self.deadline_added = true;
        }
        self.running += 1;
        let (id, may_retry) = (entry.id, entry.retries_left > 0);
        self.registry.put_back(
            slot,
            Entry {
                attempts: attempt,
                phase: Phase::Running(Attempt {
                    cell: Arc::clone(&cell),
                    started,
                    stop_requested: None,
                    runner,
                }),
                ..entry
            },
        );
        match work {
            Work::Local(job) => Some(Dispatch {
                id,
                seat: Seat::Slab(slot),
                cell,
                job,
                attempt,
                may_retry,
            }),
            Work::Remote(job) => {
                self.remote_running += 1;
                self.announce(
                    hub,
                    Msg::Event(Event {
                        job: id,
                        kind: EventKind::Started {
                            worker: None,
                            attempt,
                        },
                    }),
                );
                self.after_unlock.remote_starts.push(RemoteStart {
                    job,
                    cell,
                    slot,
                    attempt,
                });
                None
            }
        }
    }
}
