//! The pool's bookkeeping, all behind one lock: the queue, the live jobs, the
//! dependency graph and the deadlines. Every decision to start a job is made
//! here, re-checking the cap each time, so lowering it never interrupts work.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, VecDeque};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::cell::{Hub, JobCell, StopReason};
use super::event::Msg;
use super::new_job::JobOptions;
use super::queue::ReadyQueue;

mod admit;
mod jobs;
use super::{Event, EventKind, Job, JobId, JobIdMap, NewJob, Outcome, OutcomeKind};
use jobs::Jobs;
pub(crate) use jobs::Slot;

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

pub(crate) enum Phase {
    Waiting {
        unmet: usize,
    },
    Queued,
    /// Handed to a worker; the worker's number is in the job's cell.
    Running {
        started: Instant,
        stop_requested: Option<Instant>,
    },
}

pub(crate) struct Entry {
    pub(crate) id: JobId,
    /// Made when the job first starts (taken from the spare cells when
    /// there is one) and kept until it ends.
    pub(crate) cell: Option<Arc<JobCell>>,
    /// Whether the job is to start paused (set while it had no cell).
    paused: bool,
    /// Whether the id index knows this job (see [`Jobs`]).
    indexed: bool,
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
    /// A job ready to start, admitted with submission number `seq`.
    pub(crate) fn queued(new: NewJob, seq: u64) -> Self {
        let (id, job, options) = new.into_parts();
        Self::new(id, job, &options, seq, Phase::Queued)
    }

    pub(crate) fn new(
        id: JobId,
        job: Box<dyn Job>,
        options: &JobOptions,
        seq: u64,
        phase: Phase,
    ) -> Self {
        Self {
            id,
            cell: None,
            paused: false,
            indexed: false,
            job: Some(job),
            priority: options.priority,
            seq,
            timeout: options.timeout,
            retries_left: options.retries,
            attempt: 0,
            phase,
        }
    }

    /// Whether the queue place `(priority, seq)` is still this job's.
    fn is_queued_at(&self, priority: i32, seq: u64) -> bool {
        matches!(self.phase, Phase::Queued) && self.priority == priority && self.seq == seq
    }
}

/// Spare cells kept at most; more than the jobs that run at once is rarely
/// useful.
const SPARE_CELLS: usize = 1024;

/// Worker threads: how many are alive and idle, and their slot numbers.
#[derive(Default)]
pub(crate) struct Workers {
    pub(crate) alive: usize,
    /// Workers waiting on the dispatch channel that no message has been sent
    /// for yet; each message sent takes one of them.
    pub(crate) idle: usize,
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

/// What an idle worker receives.
pub(crate) enum WorkerMsg {
    /// Run this job.
    Run(Dispatch),
    /// The pool shrank or shuts down: exit.
    Retire,
    /// Jobs reached the inbox while this worker was idle: admit them.
    Kick,
}

/// A job handed to a worker.
pub(crate) struct Dispatch {
    pub(crate) id: JobId,
    pub(crate) slot: Slot,
    pub(crate) cell: Arc<JobCell>,
    pub(crate) job: Box<dyn Job>,
    pub(crate) attempt: u32,
}

pub(crate) struct State {
    pub(crate) max_threads: usize,
    pub(crate) running: usize,
    pub(crate) paused: bool,
    pub(crate) shutting_down: bool,
    queue: ReadyQueue,
    /// Plain jobs (see `NewJob::is_plain`) in submission order, with the
    /// submission numbers `lane_seq..lane_seq + lane.len()`: they wait here
    /// as they were submitted, and get an entry only when they start. Any
    /// lookup by id first moves them into the slab and the queue (see
    /// [`settle_lane`](Self::settle_lane)), so only dispatch sees the lane.
    lane: VecDeque<NewJob>,
    lane_seq: u64,
    jobs: Jobs,
    /// For each job, the jobs waiting for it.
    dependents: JobIdMap<Vec<JobId>>,
    next_seq: u64,
    pub(crate) workers: Workers,
    /// Cells of ended jobs, ready for the next jobs to start: a busy pool
    /// makes no allocation per job for them.
    spare_cells: Vec<Arc<JobCell>>,
    /// An empty vector with capacity, swapped with the pool's inbox.
    pub(crate) inbox_spare: Vec<super::NewJob>,
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
            queue: ReadyQueue::default(),
            lane: VecDeque::new(),
            lane_seq: 0,
            jobs: Jobs::default(),
            dependents: JobIdMap::default(),
            next_seq: 0,
            workers: Workers::default(),
            spare_cells: Vec::new(),
            inbox_spare: Vec::new(),
            deadlines: BinaryHeap::new(),
            deadline_added: false,
        }
    }

    /// How many queued jobs could start right now.
    pub(crate) fn startable(&self) -> usize {
        if self.paused || self.shutting_down {
            return 0;
        }
        self.queued()
            .min(self.max_threads.saturating_sub(self.running))
    }

    /// Whether a job queued now would start at once.
    pub(crate) fn has_room(&self) -> bool {
        !self.paused && !self.shutting_down && self.running < self.max_threads
    }

    pub(crate) fn counts(&self) -> PoolCounts {
        let waiting = self
            .jobs
            .live()
            .filter(|e| matches!(e.phase, Phase::Waiting { .. }))
            .count();
        PoolCounts {
            waiting,
            queued: self.queued(),
            running: self.running,
        }
    }

    fn queued(&self) -> usize {
        self.queue.len() + self.lane.len()
    }

    pub(crate) fn job_state(&mut self, id: JobId) -> Option<JobState> {
        self.settle_lane();
        if let Some(kind) = self.jobs.ended(&id) {
            return Some(JobState::Ended(kind));
        }
        let entry = self.jobs.get(&id)?;
        Some(match entry.phase {
            Phase::Waiting { .. } => JobState::Waiting,
            Phase::Queued => JobState::Queued,
            Phase::Running {
                started,
                stop_requested,
            } => JobState::Running {
                worker: entry.cell.as_ref().map_or(usize::MAX, |cell| cell.worker()),
                started,
                attempt: entry.attempt,
                stop_requested,
            },
        })
    }

    // ---- dispatch ----

    /// Takes the next queued job if the cap and the pause allow it, and
    /// counts it as running. The worker that runs it announces the start.
    pub(crate) fn dispatch(&mut self) -> Option<Dispatch> {
        if self.startable() == 0 {
            return None;
        }
        let slot = loop {
            let from_lane = match self.queue.front() {
                None => true,
                Some((priority, seq)) => {
                    !self.lane.is_empty() && (priority, Reverse(seq)) < (0, Reverse(self.lane_seq))
                }
            };
            if from_lane {
                let new = self.lane.pop_front()?;
                let seq = self.lane_seq;
                self.lane_seq += 1;
                break self.jobs.insert_unindexed(Entry::queued(new, seq));
            }
            let (priority, seq, slot) = self.queue.pop_place()?;
            if self
                .jobs
                .at(slot)
                .is_some_and(|entry| entry.is_queued_at(priority, seq))
            {
                self.queue.taken();
                break slot;
            }
        };
        let entry = self.jobs.at_mut(slot).expect("found above");
        let id = entry.id;
        let job = entry.job.take().expect("a queued job holds its job");
        if entry.cell.is_none() {
            let paused = entry.paused;
            let spare = self.spare_cells.pop().and_then(|mut cell| {
                Arc::get_mut(&mut cell)?.reuse(id, paused);
                Some(cell)
            });
            entry.cell = Some(spare.unwrap_or_else(|| Arc::new(JobCell::starting(id, paused))));
        }
        let cell = entry.cell.as_ref().expect("made above");
        cell.start_unannounced();
        entry.attempt += 1;
        let started = Instant::now();
        entry.phase = Phase::Running {
            started,
            stop_requested: None,
        };
        if let Some(timeout) = entry.timeout {
            self.deadlines
                .push(Reverse((started + timeout, id, entry.attempt)));
            self.deadline_added = true;
        }
        self.running += 1;
        Some(Dispatch {
            id,
            slot,
            cell: Arc::clone(cell),
            job,
            attempt: entry.attempt,
        })
    }

    /// Moves the lane's jobs into the slab and the queue, where lookups by
    /// id find them. Every lookup by id calls this first.
    pub(crate) fn settle_lane(&mut self) {
        while let Some(new) = self.lane.pop_front() {
            let seq = self.lane_seq;
            self.lane_seq += 1;
            let slot = self.jobs.insert_unindexed(Entry::queued(new, seq));
            self.queue.push(0, seq, slot);
        }
    }

    /// Puts back a job that was dispatched but could not be handed to a
    /// worker.
    pub(crate) fn undispatch(&mut self, dispatch: Dispatch) {
        let entry = self
            .jobs
            .at_mut(dispatch.slot)
            .expect("dispatched jobs are live");
        entry.job = Some(dispatch.job);
        entry.attempt -= 1;
        entry.phase = Phase::Queued;
        self.running -= 1;
        self.queue.push(entry.priority, entry.seq, dispatch.slot);
    }

    /// Records what a run returned: a retry or the job's end.
    ///
    /// When the job ended and nothing else has to be told about it (no job
    /// depends on it), its outcome is handed back instead of sent, so the
    /// worker can send it together with its next job's start.
    pub(crate) fn complete(
        &mut self,
        hub: &Hub,
        slot: Slot,
        job: Box<dyn Job>,
        result: Result<super::Output, RunFailure>,
    ) -> Option<(JobId, Outcome)> {
        self.running -= 1;
        let entry = self.jobs.at_mut(slot).expect("running jobs are live");
        let id = entry.id;
        let stop = entry.cell.as_ref().and_then(|cell| cell.stop_reason());
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
            if let Some(cell) = &entry.cell {
                cell.clear_timeout();
            }
            entry.job = Some(job);
            entry.phase = Phase::Queued;
            let error = match outcome {
                Outcome::Failed { error, .. } => error,
                _ => "timed out".to_owned(),
            };
            let (priority, seq) = (entry.priority, entry.seq);
            hub.send(Msg::Event(Event {
                job: id,
                kind: EventKind::Retrying {
                    attempt: entry.attempt,
                    error,
                },
            }));
            self.queue.push(priority, seq, slot);
            return None;
        }
        let entry = self.forget(slot);
        if self.dependents.contains_key(&id) {
            self.end(hub, id, outcome);
            return None;
        }
        self.jobs.set_ended_lazily(&entry, outcome.kind());
        Some((id, outcome))
    }

    // ---- stop, cancel, priorities ----

    /// Cancels a queued or waiting job, or asks a running one to stop.
    /// Returns whether the job was live.
    pub(crate) fn stop(&mut self, hub: &Hub, id: JobId, reason: StopReason) -> bool {
        self.settle_lane();
        let Some(entry) = self.jobs.get_mut(&id) else {
            return false;
        };
        match &mut entry.phase {
            Phase::Running { stop_requested, .. } => {
                let cell = entry.cell.as_ref().expect("a running job has its cell");
                if cell.request_stop(reason) {
                    *stop_requested = Some(Instant::now());
                    // Before its start is out, the worker sends this.
                    if cell.stop_event_now() {
                        hub.send(Msg::Event(Event {
                            job: id,
                            kind: EventKind::StopRequested {
                                timed_out: reason == StopReason::TimedOut,
                            },
                        }));
                    }
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
        self.settle_lane();
        let Some(slot) = self.jobs.slot(&id) else {
            return false;
        };
        match self.jobs.at(slot).map(|entry| &entry.phase) {
            Some(Phase::Queued) => self.queue.forget_one(),
            Some(Phase::Waiting { .. }) => {}
            Some(Phase::Running { .. }) | None => return false,
        }
        self.forget(slot);
        self.end(hub, id, Outcome::Cancelled);
        true
    }

    /// Stops every running job and cancels everything else.
    pub(crate) fn stop_all(&mut self, hub: &Hub) {
        self.settle_lane();
        let ids: Vec<JobId> = self.jobs.live().map(|entry| entry.id).collect();
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
        self.settle_lane();
        let Some(slot) = self.jobs.slot(&id) else {
            return false;
        };
        let Some(entry) = self.jobs.at_mut(slot) else {
            return false;
        };
        match entry.phase {
            Phase::Queued => {
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
            Phase::Running { .. } => false,
        }
    }

    /// Pauses or resumes a live job; one that has not started yet starts
    /// paused. Returns whether the job was live.
    pub(crate) fn set_job_paused(&mut self, id: JobId, paused: bool) -> bool {
        self.settle_lane();
        let Some(entry) = self.jobs.get_mut(&id) else {
            return false;
        };
        entry.paused = paused;
        if let Some(cell) = &entry.cell {
            cell.set_paused(paused);
        }
        true
    }

    /// Removes a job that ended from the slab, keeping its cell for a later
    /// job when nothing else holds it any more (an unread progress notice
    /// still may).
    fn forget(&mut self, slot: Slot) -> Entry {
        let mut entry = self.jobs.take(slot);
        if let Some(mut cell) = entry.cell.take()
            && Arc::get_mut(&mut cell).is_some()
            && self.spare_cells.len() < SPARE_CELLS
        {
            self.spare_cells.push(cell);
        }
        entry
    }

    /// The running attempt `attempt` of `id`, if it is still running.
    pub(crate) fn is_running_attempt(&mut self, id: JobId, attempt: u32) -> bool {
        self.settle_lane();
        self.jobs.get(&id).is_some_and(|entry| {
            entry.attempt == attempt && matches!(entry.phase, Phase::Running { .. })
        })
    }

    // ---- endings ----

    /// Records a job's end, tells the consumer, and settles its dependents:
    /// released when it succeeded, skipped (transitively) when not.
    fn end(&mut self, hub: &Hub, id: JobId, outcome: Outcome) {
        let mut kind = record_end(&mut self.jobs, hub, id, outcome);
        let mut current = id;
        // Empty until a dependent is skipped, so the common case allocates
        // nothing.
        let mut skipped = Vec::new();
        loop {
            for dependent in self.dependents.remove(&current).unwrap_or_default() {
                let Some(slot) = self.jobs.slot(&dependent) else {
                    continue;
                };
                let Some(entry) = self.jobs.at_mut(slot) else {
                    continue;
                };
                let Phase::Waiting { unmet } = &mut entry.phase else {
                    continue;
                };
                if kind.is_success() {
                    *unmet -= 1;
                    if *unmet == 0 {
                        entry.phase = Phase::Queued;
                        self.queue.push(entry.priority, entry.seq, slot);
                    }
                } else {
                    self.forget(slot);
                    skipped.push((dependent, current));
                }
            }
            let Some((next, because)) = skipped.pop() else {
                break;
            };
            kind = record_end(&mut self.jobs, hub, next, Outcome::Skipped { because });
            current = next;
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

/// Notes how `id` ended and tells the consumer.
fn record_end(jobs: &mut Jobs, hub: &Hub, id: JobId, outcome: Outcome) -> OutcomeKind {
    let kind = outcome.kind();
    jobs.set_ended(id, kind);
    send_finished(hub, id, outcome);
    kind
}

fn send_finished(hub: &Hub, id: JobId, outcome: Outcome) {
    hub.send(Msg::Event(Event {
        job: id,
        kind: EventKind::Finished(outcome),
    }));
}
