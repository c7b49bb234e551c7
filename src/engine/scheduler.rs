//! The pool's bookkeeping, all behind one lock: the queue, the live jobs, the
//! dependency graph and the deadlines. Every decision to start a job is made
//! here, re-checking the cap each time, so lowering it never interrupts work.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::cell::{Hub, JobCell, StopReason};
use super::event::Msg;
use super::{EngineError, Event, EventKind, Job, JobId, NewJob, Outcome, OutcomeKind};

/// Where a job stands, as the pool sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobState {
    /// Waiting for dependencies to succeed.
    Waiting,
    /// In the queue, ready to start.
    Queued,
    /// On a worker.
    Running {
        /// The worker's number.
        worker: usize,
        /// When this attempt started.
        started: Instant,
        /// 1 for the first run.
        attempt: u32,
        /// When a stop was asked, if it was.
        stop_requested: Option<Instant>,
    },
    /// Done, one way or another.
    Ended(OutcomeKind),
}

/// Counts of live jobs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolCounts {
    /// Waiting for dependencies.
    pub waiting: usize,
    /// In the queue.
    pub queued: usize,
    /// On a worker.
    pub running: usize,
}

/// Orders the queue: higher priority first, then submission order.
type QueueKey = (Reverse<i32>, u64);

pub(crate) enum Phase {
    Waiting {
        unmet: usize,
    },
    Queued,
    Running {
        worker: usize,
        started: Instant,
        stop_requested: Option<Instant>,
    },
}

pub(crate) struct Entry {
    pub(crate) cell: Arc<JobCell>,
    /// Taken by the worker while the job runs, put back for a retry.
    pub(crate) job: Option<Box<dyn Job>>,
    priority: i32,
    seq: u64,
    pub(crate) timeout: Option<Duration>,
    retries_left: u32,
    pub(crate) attempt: u32,
    pub(crate) phase: Phase,
}

impl Entry {
    fn key(&self) -> QueueKey {
        (Reverse(self.priority), self.seq)
    }
}

/// Worker threads: how many are alive and idle, and their slot numbers.
#[derive(Default)]
pub(crate) struct Workers {
    pub(crate) alive: usize,
    pub(crate) idle: usize,
    /// Idle workers already woken for work they have not taken yet.
    pub(crate) woken: usize,
    free_slots: BTreeSet<usize>,
    next_slot: usize,
    pub(crate) handles: Vec<JoinHandle<()>>,
}

impl Workers {
    pub(crate) fn take_slot(&mut self) -> usize {
        if let Some(slot) = self.free_slots.pop_first() {
            slot
        } else {
            self.next_slot += 1;
            self.next_slot - 1
        }
    }

    pub(crate) fn free_slot(&mut self, slot: usize) {
        self.free_slots.insert(slot);
    }
}

/// A job handed to a worker.
pub(crate) struct Dispatch {
    pub(crate) id: JobId,
    pub(crate) cell: Arc<JobCell>,
    pub(crate) job: Box<dyn Job>,
    pub(crate) attempt: u32,
}

pub(crate) struct State {
    pub(crate) max_threads: usize,
    pub(crate) running: usize,
    pub(crate) paused: bool,
    pub(crate) shutting_down: bool,
    queue: BTreeMap<QueueKey, JobId>,
    live: HashMap<JobId, Entry>,
    ended: HashMap<JobId, OutcomeKind>,
    /// For each job, the jobs waiting for it.
    dependents: HashMap<JobId, Vec<JobId>>,
    next_seq: u64,
    pub(crate) workers: Workers,
    /// Running attempts with a timeout: (deadline, job, attempt).
    pub(crate) deadlines: BinaryHeap<Reverse<(Instant, JobId, u32)>>,
    /// Set when a deadline was pushed, so the timer thread gets woken.
    pub(crate) deadline_added: bool,
}

impl State {
    pub(crate) fn new(max_threads: usize) -> Self {
        Self {
            max_threads,
            running: 0,
            paused: false,
            shutting_down: false,
            queue: BTreeMap::new(),
            live: HashMap::new(),
            ended: HashMap::new(),
            dependents: HashMap::new(),
            next_seq: 0,
            workers: Workers::default(),
            deadlines: BinaryHeap::new(),
            deadline_added: false,
        }
    }

    /// How many queued jobs could start right now.
    pub(crate) fn startable(&self) -> usize {
        if self.paused || self.shutting_down {
            return 0;
        }
        self.queue
            .len()
            .min(self.max_threads.saturating_sub(self.running))
    }

    pub(crate) fn counts(&self) -> PoolCounts {
        let waiting = self
            .live
            .values()
            .filter(|e| matches!(e.phase, Phase::Waiting { .. }))
            .count();
        PoolCounts {
            waiting,
            queued: self.queue.len(),
            running: self.running,
        }
    }

    pub(crate) fn job_state(&self, id: JobId) -> Option<JobState> {
        if let Some(kind) = self.ended.get(&id) {
            return Some(JobState::Ended(*kind));
        }
        let entry = self.live.get(&id)?;
        Some(match entry.phase {
            Phase::Waiting { .. } => JobState::Waiting,
            Phase::Queued => JobState::Queued,
            Phase::Running {
                worker,
                started,
                stop_requested,
            } => JobState::Running {
                worker,
                started,
                attempt: entry.attempt,
                stop_requested,
            },
        })
    }

    // ---- submission ----

    /// Admits a batch whose members may depend on each other and on jobs
    /// already known. All or nothing: on error nothing was admitted.
    pub(crate) fn admit(&mut self, hub: &Hub, batch: Vec<NewJob>) -> Result<(), EngineError> {
        if self.shutting_down {
            return Err(EngineError::ShutDown);
        }
        let order = self.check_batch(&batch)?;
        let mut slots: Vec<Option<NewJob>> = batch.into_iter().map(Some).collect();
        let base_seq = self.next_seq;
        self.next_seq += slots.len() as u64;
        for index in order {
            let Some(new) = slots[index].take() else {
                continue;
            };
            self.admit_one(hub, new, base_seq + index as u64);
        }
        Ok(())
    }

    /// Validates ids and dependencies; returns the batch indices in an order
    /// where every job comes after the batch members it depends on.
    fn check_batch(&self, batch: &[NewJob]) -> Result<Vec<usize>, EngineError> {
        let mut index_of = HashMap::with_capacity(batch.len());
        for (index, new) in batch.iter().enumerate() {
            let known = self.live.contains_key(&new.id) || self.ended.contains_key(&new.id);
            if known || index_of.insert(new.id, index).is_some() {
                return Err(EngineError::DuplicateId(new.id));
            }
        }
        // Kahn's algorithm over the edges inside the batch.
        let mut unmet = vec![0usize; batch.len()];
        let mut waiting_on: HashMap<usize, Vec<usize>> = HashMap::new();
        for (index, new) in batch.iter().enumerate() {
            for dep in &new.after {
                if let Some(&dep_index) = index_of.get(dep) {
                    unmet[index] += 1;
                    waiting_on.entry(dep_index).or_default().push(index);
                } else if !self.live.contains_key(dep) && !self.ended.contains_key(dep) {
                    return Err(EngineError::UnknownDependency {
                        job: new.id,
                        dependency: *dep,
                    });
                }
            }
        }
        let mut ready: Vec<usize> = (0..batch.len()).filter(|&i| unmet[i] == 0).collect();
        ready.reverse();
        let mut order = Vec::with_capacity(batch.len());
        while let Some(index) = ready.pop() {
            order.push(index);
            for &next in waiting_on.get(&index).map_or(&[][..], Vec::as_slice) {
                unmet[next] -= 1;
                if unmet[next] == 0 {
                    ready.push(next);
                }
            }
        }
        if order.len() < batch.len() {
            let cycle = (0..batch.len())
                .filter(|&i| unmet[i] > 0)
                .map(|i| batch[i].id)
                .collect();
            return Err(EngineError::DependencyCycle(cycle));
        }
        Ok(order)
    }

    fn admit_one(&mut self, hub: &Hub, new: NewJob, seq: u64) {
        let NewJob {
            id,
            job,
            priority,
            timeout,
            retries,
            mut after,
        } = new;
        after.sort_unstable();
        after.dedup();
        let mut unmet = 0;
        let mut failed_dep = None;
        for dep in &after {
            match self.ended.get(dep) {
                Some(kind) if kind.is_success() => {}
                Some(_) => failed_dep = failed_dep.or(Some(*dep)),
                None => unmet += 1,
            }
        }
        if let Some(because) = failed_dep {
            self.ended.insert(id, OutcomeKind::Skipped);
            send_finished(hub, id, Outcome::Skipped { because });
            return;
        }
        for dep in after.iter().filter(|d| !self.ended.contains_key(d)) {
            self.dependents.entry(*dep).or_default().push(id);
        }
        let entry = Entry {
            cell: Arc::new(JobCell::new(id)),
            job: Some(job),
            priority,
            seq,
            timeout,
            retries_left: retries,
            attempt: 0,
            phase: if unmet == 0 {
                Phase::Queued
            } else {
                Phase::Waiting { unmet }
            },
        };
        if unmet == 0 {
            self.queue.insert(entry.key(), id);
        }
        self.live.insert(id, entry);
    }

    // ---- dispatch ----

    /// Takes the next queued job if the cap and the pause allow it.
    pub(crate) fn dispatch(&mut self, hub: &Hub, worker: usize) -> Option<Dispatch> {
        if self.startable() == 0 {
            return None;
        }
        let (_, id) = self.queue.pop_first()?;
        let entry = self.live.get_mut(&id).expect("queued jobs are live");
        let job = entry.job.take().expect("a queued job holds its job");
        entry.attempt += 1;
        let started = Instant::now();
        entry.phase = Phase::Running {
            worker,
            started,
            stop_requested: None,
        };
        if let Some(timeout) = entry.timeout {
            self.deadlines
                .push(Reverse((started + timeout, id, entry.attempt)));
            self.deadline_added = true;
        }
        self.running += 1;
        let attempt = entry.attempt;
        hub.send(Msg::Event(Event {
            job: id,
            kind: EventKind::Started { worker, attempt },
        }));
        Some(Dispatch {
            id,
            cell: Arc::clone(&entry.cell),
            job,
            attempt,
        })
    }

    /// Records what a run returned: a retry or the job's end. Returns the job
    /// when it is done with, so the caller can drop it outside the lock.
    pub(crate) fn complete(
        &mut self,
        hub: &Hub,
        id: JobId,
        job: Box<dyn Job>,
        result: Result<super::Output, RunFailure>,
    ) -> Option<Box<dyn Job>> {
        self.running -= 1;
        let entry = self.live.get_mut(&id).expect("running jobs are live");
        let stop = entry.cell.stop_reason();
        let outcome = match (result, stop) {
            (Ok(output), _) => Outcome::Succeeded(output),
            (Err(_), Some(StopReason::Requested)) | (Err(RunFailure::Stopped), None) => {
                Outcome::Stopped
            }
            (Err(_), Some(StopReason::TimedOut)) => Outcome::TimedOut,
            (Err(RunFailure::Failed { error, exit_code }), None) => {
                Outcome::Failed { error, exit_code }
            }
        };
        let retry = matches!(outcome, Outcome::Failed { .. } | Outcome::TimedOut)
            && entry.retries_left > 0
            && !self.shutting_down;
        if retry {
            entry.retries_left -= 1;
            entry.cell.clear_timeout();
            entry.job = Some(job);
            entry.phase = Phase::Queued;
            let error = match outcome {
                Outcome::Failed { error, .. } => error,
                _ => "timed out".to_owned(),
            };
            let key = entry.key();
            hub.send(Msg::Event(Event {
                job: id,
                kind: EventKind::Retrying {
                    attempt: entry.attempt,
                    error,
                },
            }));
            self.queue.insert(key, id);
            return None;
        }
        self.live.remove(&id);
        self.end(hub, id, outcome);
        Some(job)
    }

    // ---- stop, cancel, priorities ----

    /// Cancels a queued or waiting job, or asks a running one to stop.
    /// Returns whether the job was live.
    pub(crate) fn stop(&mut self, hub: &Hub, id: JobId, reason: StopReason) -> bool {
        let Some(entry) = self.live.get_mut(&id) else {
            return false;
        };
        match &mut entry.phase {
            Phase::Running { stop_requested, .. } => {
                if entry.cell.request_stop(reason) {
                    *stop_requested = Some(Instant::now());
                    hub.send(Msg::Event(Event {
                        job: id,
                        kind: EventKind::StopRequested {
                            timed_out: reason == StopReason::TimedOut,
                        },
                    }));
                }
            }
            Phase::Queued | Phase::Waiting { .. } => {
                self.cancel(hub, id);
            }
        }
        true
    }

    /// Cancels a job that has not started. Returns whether it was cancelled.
    pub(crate) fn cancel(&mut self, hub: &Hub, id: JobId) -> bool {
        let Some(entry) = self.live.get(&id) else {
            return false;
        };
        match entry.phase {
            Phase::Queued => {
                self.queue.remove(&entry.key());
            }
            Phase::Waiting { .. } => {}
            Phase::Running { .. } => return false,
        }
        self.live.remove(&id);
        self.end(hub, id, Outcome::Cancelled);
        true
    }

    /// Stops every running job and cancels everything else.
    pub(crate) fn stop_all(&mut self, hub: &Hub) {
        let ids: Vec<JobId> = self.live.keys().copied().collect();
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
        let Some(entry) = self.live.get_mut(&id) else {
            return false;
        };
        match entry.phase {
            Phase::Queued => {
                let id_in_queue = self.queue.remove(&entry.key());
                entry.priority = priority;
                if let Some(id) = id_in_queue {
                    self.queue.insert(entry.key(), id);
                }
                true
            }
            Phase::Waiting { .. } => {
                entry.priority = priority;
                true
            }
            Phase::Running { .. } => false,
        }
    }

    pub(crate) fn cell(&self, id: JobId) -> Option<&Arc<JobCell>> {
        self.live.get(&id).map(|entry| &entry.cell)
    }

    /// The running attempt `attempt` of `id`, if it is still running.
    pub(crate) fn is_running_attempt(&self, id: JobId, attempt: u32) -> bool {
        self.live.get(&id).is_some_and(|entry| {
            entry.attempt == attempt && matches!(entry.phase, Phase::Running { .. })
        })
    }

    // ---- endings ----

    /// Records a job's end, tells the consumer, and settles its dependents:
    /// released when it succeeded, skipped (transitively) when not.
    fn end(&mut self, hub: &Hub, id: JobId, outcome: Outcome) {
        let mut endings = vec![(id, outcome)];
        while let Some((id, outcome)) = endings.pop() {
            let kind = outcome.kind();
            self.ended.insert(id, kind);
            send_finished(hub, id, outcome);
            for dependent in self.dependents.remove(&id).unwrap_or_default() {
                let Some(entry) = self.live.get_mut(&dependent) else {
                    continue;
                };
                let Phase::Waiting { unmet } = &mut entry.phase else {
                    continue;
                };
                if kind.is_success() {
                    *unmet -= 1;
                    if *unmet == 0 {
                        entry.phase = Phase::Queued;
                        self.queue.insert(entry.key(), dependent);
                    }
                } else {
                    self.live.remove(&dependent);
                    endings.push((dependent, Outcome::Skipped { because: id }));
                }
            }
        }
    }
}

/// What a run that did not succeed came back with.
pub(crate) enum RunFailure {
    Stopped,
    Failed {
        error: String,
        exit_code: Option<i32>,
    },
}

fn send_finished(hub: &Hub, id: JobId, outcome: Outcome) {
    hub.send(Msg::Event(Event {
        job: id,
        kind: EventKind::Finished(outcome),
    }));
}
