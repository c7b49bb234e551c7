//! The pool's bookkeeping, behind one lock: the queue, the live jobs, the
//! dependency graph and the deadlines. Every decision to start a job is made
//! here, re-checking the cap each time, so lowering it never interrupts work;
//! except in fast mode, where a worker replaces the plain job it ended with
//! the next one from the inbox on its own (see `desk`), which leaves the
//! number running as it was.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;

use super::cell::{Hub, JobCell, StopReason};
use super::event::Msg;
use super::new_job::JobOptions;
use super::queue::ReadyQueue;

mod admit;
mod desk;
mod jobs;
use super::{Event, EventKind, Job, JobId, JobIdMap, NewJob, Outcome, OutcomeKind};
pub(crate) use desk::{SharedDesk, open as open_desk};
pub(crate) use jobs::Slot;
use jobs::{Jobs, Place};

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

/// Worker threads: how many are alive and idle, their slot numbers and
/// their desks.
#[derive(Default)]
pub(crate) struct Workers {
    pub(crate) alive: usize,
    /// Workers waiting on the dispatch channel that no message has been sent
    /// for yet; each message sent takes one of them.
    pub(crate) idle: usize,
    free_slots: BTreeSet<usize>,
    /// One per slot number ever used; a slot's next worker inherits its
    /// (empty) desk.
    pub(crate) desks: Vec<SharedDesk>,
    pub(crate) handles: Vec<JoinHandle<()>>,
}

impl Workers {
    pub(crate) fn take_slot(&mut self) -> usize {
        if let Some(slot) = self.free_slots.pop_first() {
            slot
        } else {
            self.desks.push(Arc::new(Mutex::new(desk::Desk::default())));
            self.desks.len() - 1
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
    pub(crate) seat: Seat,
    pub(crate) cell: Arc<JobCell>,
    pub(crate) job: Box<dyn Job>,
    pub(crate) attempt: u32,
}

/// Where the scheduler keeps a running job.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Seat {
    /// In the slab: every job that is not plain, and plain ones handed to a
    /// worker not known at dispatch (an idle one, woken through the channel).
    Slab(Slot),
    /// On the desk of the worker that runs it; see [`desk`].
    Desk,
}

/// Where a job the pool knows is now; see [`State::find`].
enum Found {
    Slab(Slot),
    /// Running on this worker's desk.
    Desk(usize),
    Ended(OutcomeKind),
}

/// A job [`State::dispatch`] picked: a plain one, with the submission number
/// it would carry in the slab, or one already in the slab.
enum Picked {
    Plain(NewJob, u64),
    Slab(Slot),
}

pub(crate) struct State {
    pub(crate) max_threads: usize,
    pub(crate) running: usize,
    pub(crate) paused: bool,
    pub(crate) shutting_down: bool,
    /// Whether the pool runs fast: workers take plain jobs from the inbox
    /// themselves, without this lock, reading this under their desks' locks
    /// (it is `Inner::fast`). Written only under this lock, and only while
    /// [`may_run_fast`](Self::may_run_fast) holds; then the inbox is the
    /// whole queue, so it is read only through `dispatch`.
    fast: Arc<AtomicBool>,
    /// The pool's inbox of plain jobs, read when the pool does not run fast
    /// (see [`admit_inbox`](Self::admit_inbox)) and by `dispatch` when it
    /// does.
    inbox: Receiver<NewJob>,
    queue: ReadyQueue,
    /// Plain jobs (see `NewJob::is_plain`) admitted from the inbox when the
    /// pool does not run fast, in submission order, with the submission
    /// numbers `lane_seq..lane_seq + lane.len()`: they wait here as they
    /// were submitted, and get an entry only when they start. A lookup by
    /// id that misses moves them into the slab and the queue (see
    /// [`settle`](Self::settle)), so only dispatch sees the lane.
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
    /// An empty vector with capacity, for admitting the inbox.
    inbox_spare: Vec<NewJob>,
    /// Running attempts with a timeout: (deadline, job, attempt).
    pub(crate) deadlines: BinaryHeap<Reverse<(Instant, JobId, u32)>>,
    /// Set when a deadline was pushed, so the timer thread gets woken.
    pub(crate) deadline_added: bool,
}

impl State {
    pub(crate) fn new(max_threads: usize, inbox: Receiver<NewJob>, fast: Arc<AtomicBool>) -> Self {
        Self {
            max_threads,
            running: 0,
            paused: false,
            shutting_down: false,
            fast,
            inbox,
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

    /// Whether workers may take plain jobs from the inbox without this lock:
    /// nothing else waits to start before them (no queued job, no lane), no
    /// job waits for another (so no plain job has dependents), and nothing
    /// holds starts back or makes a worker retire.
    pub(crate) fn may_run_fast(&self) -> bool {
        !self.paused
            && !self.shutting_down
            && self.queue.len() == 0
            && self.lane.is_empty()
            && self.dependents.is_empty()
            && self.workers.alive <= self.max_threads
    }

    /// Whether the pool runs fast (see the `fast` field).
    pub(crate) fn is_fast(&self) -> bool {
        // Only ever written under this lock, which the caller holds.
        self.fast.load(Ordering::Relaxed)
    }

    /// Lets workers take plain jobs from the inbox themselves.
    pub(crate) fn enter_fast(&mut self) {
        // Workers read the flag for every job; it is written only when it
        // changes, so their caches keep it.
        if !self.is_fast() {
            self.fast.store(true, Ordering::Release);
        }
    }

    /// Stops workers from taking jobs by themselves, and waits for any that
    /// is doing so right now: a worker reads the flag under its desk's lock,
    /// so once every desk was locked after the flag went down, no worker
    /// takes a job or ends one without the scheduler's lock until it goes
    /// up again.
    pub(crate) fn leave_fast(&mut self) {
        if !self.is_fast() {
            return;
        }
        self.fast.store(false, Ordering::Release);
        for desk in &self.workers.desks {
            drop(open_desk(desk));
        }
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
        self.queue.len() + self.lane.len() + self.inbox.len()
    }

    /// Where job `id` is; every lookup by id goes through here. What it
    /// returns stays true while the lock is held.
    ///
    /// Jobs in the slab or ended are found as they are. A job on a desk
    /// could end at any moment in fast mode, so finding one leaves fast mode
    /// and looks again. A job not found may wait in the inbox or the lane,
    /// or (in fast mode) be moving from the inbox onto a desk during the
    /// search, so a miss settles the state (see [`settle`](Self::settle))
    /// and looks again.
    fn find(&mut self, id: &JobId) -> Option<Found> {
        match self.look_up(id) {
            Some(Found::Desk(_)) if self.is_fast() => self.leave_fast(),
            Some(found) => return Some(found),
            None => self.settle(),
        }
        self.look_up(id)
    }

    fn look_up(&mut self, id: &JobId) -> Option<Found> {
        self.file_desks();
        match self.jobs.place(id) {
            Some(Place::Live(slot)) => return Some(Found::Slab(slot)),
            Some(Place::Ended(kind)) => return Some(Found::Ended(kind)),
            None => {}
        }
        self.workers
            .desks
            .iter()
            .position(|desk| {
                open_desk(desk)
                    .current
                    .as_ref()
                    .is_some_and(|run| run.id == *id)
            })
            .map(Found::Desk)
    }

    /// Whether the pool has seen `id`, live or ended.
    fn is_known(&mut self, id: &JobId) -> bool {
        self.find(id).is_some()
    }

    /// How `id` ended, if it has.
    fn ended(&mut self, id: &JobId) -> Option<OutcomeKind> {
        match self.find(id)? {
            Found::Ended(kind) => Some(kind),
            Found::Slab(_) | Found::Desk(_) => None,
        }
    }

    /// Moves the endings the workers noted on their desks into the index.
    fn file_desks(&mut self) {
        for desk in &self.workers.desks {
            let mut desk = open_desk(desk);
            for (id, kind) in desk.ended.drain(..) {
                self.jobs.note_ended(id, kind);
            }
        }
    }

    pub(crate) fn job_state(&mut self, id: JobId) -> Option<JobState> {
        let slot = match self.find(&id)? {
            Found::Ended(kind) => return Some(JobState::Ended(kind)),
            Found::Desk(worker) => {
                let desk = open_desk(&self.workers.desks[worker]);
                let run = desk.current.as_ref().expect("found on this desk");
                return Some(JobState::Running {
                    worker,
                    started: run.started,
                    attempt: 1,
                    stop_requested: run.stop_requested,
                });
            }
            Found::Slab(slot) => slot,
        };
        let entry = self.jobs.at(slot)?;
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
    /// counts it as running, for a worker not known yet (an idle one woken
    /// through the channel, or one about to be spawned): the job goes in
    /// the slab. The worker that runs it announces the start.
    pub(crate) fn dispatch(&mut self) -> Option<Dispatch> {
        match self.pick()? {
            Picked::Plain(new, seq) => {
                let slot = self.jobs.insert_unindexed(Entry::queued(new, seq));
                Some(self.start_in_slab(slot))
            }
            Picked::Slab(slot) => Some(self.start_in_slab(slot)),
        }
    }

    /// Like [`dispatch`](Self::dispatch), for worker `worker` itself: a plain
    /// job goes on its desk.
    pub(crate) fn dispatch_to(&mut self, worker: usize) -> Option<Dispatch> {
        match self.pick()? {
            Picked::Plain(new, _) => Some(self.start_on_desk(worker, new)),
            Picked::Slab(slot) => Some(self.start_in_slab(slot)),
        }
    }

    /// The job that starts next, if the cap and the pause let one start:
    /// the higher priority, then the older, of the lane's first job and the
    /// queue's; in fast mode, the inbox's first (the queue and the lane are
    /// empty then).
    fn pick(&mut self) -> Option<Picked> {
        if self.startable() == 0 {
            return None;
        }
        if self.is_fast() && !self.may_run_fast() {
            // This lock's holder queued a job (a retry), which comes before
            // the inbox: that is admitted behind it later.
            self.leave_fast();
        }
        if self.is_fast() {
            // Workers in fast mode take from the inbox too: it may be empty
            // by now.
            let new = self.inbox.try_recv().ok()?;
            let seq = self.next_seq;
            self.next_seq += 1;
            return Some(Picked::Plain(new, seq));
        }
        loop {
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
                return Some(Picked::Plain(new, seq));
            }
            let (priority, seq, slot) = self.queue.pop_place()?;
            if self
                .jobs
                .at(slot)
                .is_some_and(|entry| entry.is_queued_at(priority, seq))
            {
                self.queue.taken();
                return Some(Picked::Slab(slot));
            }
        }
    }

    /// A cell for job `id`: a spare one when there is one.
    fn fresh_cell(&mut self, id: JobId, paused: bool) -> Arc<JobCell> {
        let spare = self.spare_cells.pop().and_then(|mut cell| {
            Arc::get_mut(&mut cell)?.reuse(id, paused);
            Some(cell)
        });
        spare.unwrap_or_else(|| Arc::new(JobCell::starting(id, paused)))
    }

    /// Starts a plain job on `worker`'s desk.
    fn start_on_desk(&mut self, worker: usize, new: NewJob) -> Dispatch {
        let cell = self.fresh_cell(new.id, false);
        self.running += 1;
        open_desk(&self.workers.desks[worker]).take_on(new, cell)
    }

    /// Starts the queued job in slab slot `slot`.
    fn start_in_slab(&mut self, slot: Slot) -> Dispatch {
        let entry = self.jobs.at_mut(slot).expect("picked jobs are live");
        let (id, paused) = (entry.id, entry.paused);
        if entry.cell.is_none() {
            let cell = self.fresh_cell(id, paused);
            self.jobs.at_mut(slot).expect("picked jobs are live").cell = Some(cell);
        }
        let entry = self.jobs.at_mut(slot).expect("picked jobs are live");
        let job = entry.job.take().expect("a queued job holds its job");
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
        Dispatch {
            id,
            seat: Seat::Slab(slot),
            cell: Arc::clone(cell),
            job,
            attempt: entry.attempt,
        }
    }

    /// Puts every job where a lookup by id finds it, and keeps it there
    /// while the lock is held: workers stop taking jobs by themselves, and
    /// the inbox and the lane move into the slab and the queue.
    pub(crate) fn settle(&mut self) {
        self.leave_fast();
        self.admit_inbox();
        while let Some(new) = self.lane.pop_front() {
            let seq = self.lane_seq;
            self.lane_seq += 1;
            self.queue_plain(new, seq);
        }
    }

    /// Queues a plain job in the slab with submission number `seq`.
    fn queue_plain(&mut self, new: NewJob, seq: u64) {
        let slot = self.jobs.insert_unindexed(Entry::queued(new, seq));
        self.queue.push(0, seq, slot);
    }

    /// Puts back a job that was dispatched but could not be handed to a
    /// worker (only [`dispatch`](Self::dispatch)'s jobs, which are in the
    /// slab).
    pub(crate) fn undispatch(&mut self, dispatch: Dispatch) {
        let Seat::Slab(slot) = dispatch.seat else {
            unreachable!("jobs for a worker not yet known are in the slab");
        };
        let entry = self.jobs.at_mut(slot).expect("dispatched jobs are live");
        entry.job = Some(dispatch.job);
        entry.attempt -= 1;
        entry.phase = Phase::Queued;
        self.running -= 1;
        self.queue.push(entry.priority, entry.seq, slot);
    }

    /// Records how the plain job on `worker`'s desk ended, outside fast mode
    /// (in fast mode its worker does that alone; see `worker::handover`).
    /// Returns the end to announce, like [`complete`](Self::complete).
    pub(crate) fn complete_on_desk(
        &mut self,
        hub: &Hub,
        worker: usize,
        result: Result<super::Output, RunFailure>,
    ) -> Option<(JobId, Outcome)> {
        let run = open_desk(&self.workers.desks[worker])
            .current
            .take()
            .expect("a desk job stays on its desk until it ends");
        self.running -= 1;
        let outcome = outcome_of(result, run.cell.stop_reason());
        self.keep_cell(run.cell);
        if self.dependents.contains_key(&run.id) {
            self.end(hub, run.id, outcome);
            return None;
        }
        self.jobs.note_ended(run.id, outcome.kind());
        Some((run.id, outcome))
    }

    /// A desk job ended in fast mode but no next job was in the inbox: its
    /// worker no longer runs one.
    pub(crate) fn desk_emptied(&mut self) {
        self.running -= 1;
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
        let outcome = outcome_of(result, stop);
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
        let slot = match self.find(&id) {
            None | Some(Found::Ended(_)) => return false,
            Some(Found::Desk(worker)) => {
                let mut desk = open_desk(&self.workers.desks[worker]);
                let run = desk.current.as_mut().expect("found on this desk");
                request_stop(hub, id, &run.cell, &mut run.stop_requested, reason);
                return true;
            }
            Some(Found::Slab(slot)) => slot,
        };
        let Some(entry) = self.jobs.at_mut(slot) else {
            return false;
        };
        match &mut entry.phase {
            Phase::Running { stop_requested, .. } => {
                let cell = entry.cell.as_ref().expect("a running job has its cell");
                request_stop(hub, id, cell, stop_requested, reason);
            }
            Phase::Queued | Phase::Waiting { .. } => {
                self.cancel(hub, id);
            }
        }
        true
    }

    /// Cancels a job that has not started. Returns whether it was cancelled.
    pub(crate) fn cancel(&mut self, hub: &Hub, id: JobId) -> bool {
        let Some(Found::Slab(slot)) = self.find(&id) else {
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
        self.settle();
        let mut ids: Vec<JobId> = self.jobs.live().map(|entry| entry.id).collect();
        for desk in &self.workers.desks {
            ids.extend(open_desk(desk).current.as_ref().map(|run| run.id));
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
        let slot = match self.find(&id) {
            None | Some(Found::Ended(_)) => return false,
            Some(Found::Desk(worker)) => {
                let desk = open_desk(&self.workers.desks[worker]);
                let run = desk.current.as_ref().expect("found on this desk");
                run.cell.set_paused(paused);
                return true;
            }
            Some(Found::Slab(slot)) => slot,
        };
        let Some(entry) = self.jobs.at_mut(slot) else {
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
        if let Some(cell) = entry.cell.take() {
            self.keep_cell(cell);
        }
        entry
    }

    /// Keeps an ended job's cell for a later job, if nothing else holds it.
    fn keep_cell(&mut self, mut cell: Arc<JobCell>) {
        if Arc::get_mut(&mut cell).is_some() && self.spare_cells.len() < SPARE_CELLS {
            self.spare_cells.push(cell);
        }
    }

    /// Whether attempt `attempt` of `id` is running. Only jobs with a
    /// timeout ask, and those are never plain, so never on a desk.
    pub(crate) fn is_running_attempt(&mut self, id: JobId, attempt: u32) -> bool {
        let Some(Found::Slab(slot)) = self.find(&id) else {
            return false;
        };
        self.jobs.at(slot).is_some_and(|entry| {
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

/// How a run ended, given what it returned and the stop asked of it.
pub(crate) fn outcome_of(
    result: Result<super::Output, RunFailure>,
    stop: Option<StopReason>,
) -> Outcome {
    match (result, stop) {
        (Ok(output), _) => Outcome::Succeeded(output),
        (Err(_), Some(StopReason::Requested)) | (Err(RunFailure::Stopped), None) => {
            Outcome::Stopped
        }
        (Err(_), Some(StopReason::TimedOut)) => Outcome::TimedOut,
        (Err(RunFailure::Failed { error, exit_code }), None) => {
            Outcome::Failed { error, exit_code }
        }
    }
}

/// Sets a running job's stop flag and tells the consumer, unless a stop was
/// asked already. Before the job's start is out, its worker sends the event
/// right after the start.
fn request_stop(
    hub: &Hub,
    id: JobId,
    cell: &JobCell,
    stop_requested: &mut Option<Instant>,
    reason: StopReason,
) {
    if cell.request_stop(reason) {
        *stop_requested = Some(Instant::now());
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
