//! The driver's jobs and every move between their phases.
//!
//! A job is in exactly one phase, and each phase has one owner:
//!
//! ```text
//!           put back (sbatch got no answer)
//!         ┌─────────────────────────────────┐
//!         ▼                                 │
//!       Held ──(taken within the cap)──▶ Submitting ──(sbatch gave an id)──▶ InFlight{id}
//!         │                                 │                                    │
//!         └────────────────┬────────────────┘                                    │
//!                          ▼                                                     ▼
//!          ended by the submit thread: stopped             ended by the poll thread: final
//!          while held, sbatch refused, cluster             state, vanished, cluster lost
//!          silent for too long
//! ```
//!
//! Invariants, which the code below keeps and the threads rely on:
//! - Only the thread that owns a job's phase ends it ([`Registry::end`]), so
//!   each job is ended once, and that thread alone calls its reporter's
//!   `finished`. Handles never end a job: a stop is recorded here (a
//!   [`StopCause`], first one wins) and queued for the submit thread.
//! - A job holds one in-flight slot from the moment the submit thread takes
//!   it until after its `finished` was reported ([`Registry::release`]), so
//!   anyone counting submitted-minus-finished never sees more than the cap.
//! - A job's reporter has one caller at a time: the submit thread until the
//!   job is `InFlight` (it reports `Submitted` before the move), the poll
//!   thread after; the submit thread's notices about in-flight jobs (stop
//!   sent, kill sent) are queued here for the poll thread to deliver.
//! - Nothing here calls a reporter: callers do, after the lock is released,
//!   so a reporter may call back into a handle.

use std::collections::{BinaryHeap, HashMap};
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crossbeam_channel::Sender;

use super::state::StopCause;
use crate::executor::{RemoteJob, Reporter};

/// The driver's own number for a job, before and after Slurm gives it one.
pub type Ticket = u64;

/// Where a job is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Waiting in jobdeck for a slot under the cap.
    Held,
    /// `sbatch` is running for it.
    Submitting,
    /// On the cluster as Slurm job `id`.
    InFlight {
        /// Slurm's job id.
        id: u64,
    },
}

/// A job's description, its reporter and its place.
pub struct Entry {
    /// What to run.
    pub job: Arc<RemoteJob>,
    /// Where to report.
    pub reporter: Arc<dyn Reporter>,
    /// Where it is.
    pub phase: Phase,
    /// Whether, and why, jobdeck asked it to stop.
    pub stop: Option<StopCause>,
    /// Whether the submit thread has reported it as held.
    held_reported: bool,
    /// Notices from the submit thread about an in-flight job, which the
    /// poll thread (its reporter's only caller by then) delivers.
    pub notices: Vec<String>,
}

impl Entry {
    /// Whether the job held an in-flight slot: it was taken for submission.
    pub fn holds_slot(&self) -> bool {
        self.phase != Phase::Held
    }
}

/// A job in flight, as the poll thread sees it at one poll.
pub struct InFlight {
    /// The driver's number for it.
    pub ticket: Ticket,
    /// Slurm's job id.
    pub id: u64,
    /// Its timeout, counted from when it starts running.
    pub timeout: Option<Duration>,
    /// Whether, and why, jobdeck asked it to stop.
    pub stop: Option<StopCause>,
    /// Notices to deliver before anything else this poll.
    pub notices: Vec<String>,
    /// Where to report.
    pub reporter: Arc<dyn Reporter>,
}

/// A stop for the submit thread to carry out.
#[derive(Clone, Copy, Debug)]
pub struct StopOrder {
    /// The driver's number for the job.
    pub ticket: Ticket,
    /// Where the job is now.
    pub phase: Phase,
    /// Why it stops.
    pub cause: StopCause,
    /// Its time between SIGTERM and the cancel.
    pub grace: Duration,
}

/// Held jobs in the order they are submitted: priority, then arrival.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct HeldKey {
    priority: i32,
    /// Reversed so that earlier tickets come out of the max-heap first.
    arrival: std::cmp::Reverse<Ticket>,
}

#[derive(Default)]
struct Jobs {
    entries: HashMap<Ticket, Entry>,
    held: BinaryHeap<HeldKey>,
    next_ticket: Ticket,
    slots_used: usize,
    cap: Option<NonZeroUsize>,
    /// Stops asked and not yet acted on by the submit thread.
    stops: Vec<Ticket>,
    quitting: bool,
}

/// The jobs, behind one lock, and the submit thread's doorbell.
pub struct Registry {
    jobs: Mutex<Jobs>,
    wake: Sender<()>,
}

impl Registry {
    /// An empty registry that rings `wake` when the submit thread has work.
    pub fn new(cap: Option<NonZeroUsize>, wake: Sender<()>) -> Self {
        Self {
            jobs: Mutex::new(Jobs {
                cap,
                ..Jobs::default()
            }),
            wake,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Jobs> {
        // A panic while holding the lock leaves the maps consistent (every
        // move is one insert or remove), so the data is still usable.
        self.jobs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn ring(&self) {
        // Full means a wake-up is already pending, which is all we need.
        let _ = self.wake.try_send(());
    }

    /// Adds a job, held until the submit thread takes it.
    pub fn add(&self, job: RemoteJob, reporter: Arc<dyn Reporter>) -> Ticket {
        let ticket = {
            let mut jobs = self.lock();
            let ticket = jobs.next_ticket;
            jobs.next_ticket += 1;
            jobs.held.push(HeldKey {
                priority: job.priority,
                arrival: std::cmp::Reverse(ticket),
            });
            jobs.entries.insert(
                ticket,
                Entry {
                    job: Arc::new(job),
                    reporter,
                    phase: Phase::Held,
                    stop: None,
                    held_reported: false,
                    notices: Vec::new(),
                },
            );
            ticket
        };
        self.ring();
        ticket
    }

    /// Records a stop of `ticket` for `cause`. False when the job has ended
    /// or a stop was already asked.
    pub fn request_stop(&self, ticket: Ticket, cause: StopCause) -> bool {
        {
            let mut jobs = self.lock();
            let Some(entry) = jobs.entries.get_mut(&ticket) else {
                return false;
            };
            if entry.stop.is_some() {
                return false;
            }
            entry.stop = Some(cause);
            jobs.stops.push(ticket);
        }
        self.ring();
        true
    }

    /// Slurm's id for `ticket`, once it has one and until it ends.
    pub fn slurm_id(&self, ticket: Ticket) -> Option<u64> {
        match self.lock().entries.get(&ticket)?.phase {
            Phase::InFlight { id } => Some(id),
            Phase::Held | Phase::Submitting => None,
        }
    }

    /// Changes the cap; a raised one lets held jobs go at once.
    pub fn set_cap(&self, cap: Option<NonZeroUsize>) {
        self.lock().cap = cap;
        self.ring();
    }

    /// Jobs submitted (or being submitted) and not yet finished.
    pub fn in_flight_count(&self) -> usize {
        self.lock().slots_used
    }

    /// Jobs waiting in jobdeck for a slot.
    pub fn held_count(&self) -> usize {
        self.lock()
            .entries
            .values()
            .filter(|entry| entry.phase == Phase::Held)
            .count()
    }

    /// Tells both threads to end; the submit thread is woken to see it.
    pub fn quit(&self) {
        self.lock().quitting = true;
        self.ring();
    }

    /// Whether [`quit`](Self::quit) was called.
    pub fn quitting(&self) -> bool {
        self.lock().quitting
    }

    // --- The submit thread's moves. ---

    /// The next held job, moved to Submitting and given a slot, when the
    /// cap allows one.
    pub fn take_next(&self) -> Option<(Ticket, Arc<RemoteJob>, Arc<dyn Reporter>)> {
        let mut jobs = self.lock();
        if jobs.cap.is_some_and(|cap| jobs.slots_used >= cap.get()) {
            return None;
        }
        while let Some(key) = jobs.held.pop() {
            let ticket = key.arrival.0;
            // Jobs stopped while held are gone from `entries` already.
            let Some(entry) = jobs.entries.get_mut(&ticket) else {
                continue;
            };
            entry.phase = Phase::Submitting;
            let taken = (ticket, Arc::clone(&entry.job), Arc::clone(&entry.reporter));
            jobs.slots_used += 1;
            return Some(taken);
        }
        None
    }

    /// Reporters of jobs the cap holds back that were not yet told so; they
    /// are told now. None while the cap has room: jobs then wait only for
    /// their turn at `sbatch`, which is not being held.
    pub fn newly_held(&self) -> Vec<Arc<dyn Reporter>> {
        let mut jobs = self.lock();
        if jobs.cap.is_none_or(|cap| jobs.slots_used < cap.get()) {
            return Vec::new();
        }
        jobs.entries
            .values_mut()
            .filter(|entry| entry.phase == Phase::Held && !entry.held_reported)
            .map(|entry| {
                entry.held_reported = true;
                Arc::clone(&entry.reporter)
            })
            .collect()
    }

    /// A Submitting job goes back to Held, giving back its slot: the cluster
    /// did not answer `sbatch`, and it is tried again later.
    pub fn put_back(&self, ticket: Ticket) {
        {
            let mut jobs = self.lock();
            let Some(entry) = jobs.entries.get_mut(&ticket) else {
                return;
            };
            entry.phase = Phase::Held;
            let priority = entry.job.priority;
            jobs.held.push(HeldKey {
                priority,
                arrival: std::cmp::Reverse(ticket),
            });
            jobs.slots_used = jobs.slots_used.saturating_sub(1);
        }
        self.ring();
    }

    /// Every held job, removed, for the submit thread to fail.
    pub fn end_held(&self) -> Vec<Entry> {
        let mut jobs = self.lock();
        jobs.held.clear();
        let held: Vec<Ticket> = jobs
            .entries
            .iter()
            .filter(|(_, entry)| entry.phase == Phase::Held)
            .map(|(&ticket, _)| ticket)
            .collect();
        held.into_iter()
            .filter_map(|ticket| jobs.entries.remove(&ticket))
            .collect()
    }

    /// A Submitting job is now Slurm job `id`, in the poll thread's hands.
    pub fn submitted(&self, ticket: Ticket, id: u64) {
        if let Some(entry) = self.lock().entries.get_mut(&ticket) {
            entry.phase = Phase::InFlight { id };
        }
    }

    /// Stops asked since the last call, for jobs that have not ended.
    pub fn take_stops(&self) -> Vec<StopOrder> {
        let mut jobs = self.lock();
        let stops = std::mem::take(&mut jobs.stops);
        stops
            .into_iter()
            .filter_map(|ticket| {
                let entry = jobs.entries.get(&ticket)?;
                Some(StopOrder {
                    ticket,
                    phase: entry.phase,
                    cause: entry.stop?,
                    grace: entry.job.grace,
                })
            })
            .collect()
    }

    // --- The poll thread's view. ---

    /// Every job on the cluster now.
    pub fn in_flight(&self) -> Vec<InFlight> {
        self.lock()
            .entries
            .iter_mut()
            .filter_map(|(&ticket, entry)| match entry.phase {
                Phase::InFlight { id } => Some(InFlight {
                    ticket,
                    id,
                    timeout: entry.job.timeout,
                    stop: entry.stop,
                    notices: std::mem::take(&mut entry.notices),
                    reporter: Arc::clone(&entry.reporter),
                }),
                Phase::Held | Phase::Submitting => None,
            })
            .collect()
    }

    /// Queues a notice for an in-flight job's reporter, which only the
    /// poll thread calls; dropped when the job has ended.
    pub fn notify(&self, ticket: Ticket, text: String) {
        if let Some(entry) = self.lock().entries.get_mut(&ticket) {
            entry.notices.push(text);
        }
    }

    /// Whether `ticket` is still a job (not yet ended).
    pub fn contains(&self, ticket: Ticket) -> bool {
        self.lock().entries.contains_key(&ticket)
    }

    // --- Ending, by the owner of the job's phase. ---

    /// Removes `ticket` and returns it, for its owner to report `finished`
    /// and then, when [`Entry::holds_slot`], to [`release`](Self::release).
    pub fn end(&self, ticket: Ticket) -> Option<Entry> {
        self.lock().entries.remove(&ticket)
    }

    /// Every job left, removed, for a driver that is going away.
    pub fn end_all(&self) -> Vec<Entry> {
        let mut jobs = self.lock();
        jobs.held.clear();
        jobs.slots_used = 0;
        jobs.entries.drain().map(|(_, entry)| entry).collect()
    }

    /// Gives back the slot of a job whose `finished` was reported.
    pub fn release(&self) {
        {
            let mut jobs = self.lock();
            jobs.slots_used = jobs.slots_used.saturating_sub(1);
        }
        self.ring();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::executor::{Program, RemoteOutcome, RemoteStatus};

    struct Silent;
    impl Reporter for Silent {
        fn status(&self, _: RemoteStatus) {}
        fn line(&self, _: String) {}
        fn notice(&self, _: String) {}
        fn finished(&self, _: RemoteOutcome) {}
    }

    fn job(priority: i32) -> RemoteJob {
        let mut job = RemoteJob::new("x", Program::Argv(vec!["true".into()]));
        job.priority = priority;
        job
    }

    fn registry(cap: usize) -> Registry {
        let (wake, _) = crossbeam_channel::bounded(1);
        Registry::new(NonZeroUsize::new(cap), wake)
    }

    #[test]
    fn held_jobs_go_by_priority_then_arrival_within_the_cap() {
        let registry = registry(2);
        let low = registry.add(job(0), Arc::new(Silent));
        let high = registry.add(job(5), Arc::new(Silent));
        let low_too = registry.add(job(0), Arc::new(Silent));
        assert_eq!(registry.take_next().unwrap().0, high);
        assert_eq!(registry.take_next().unwrap().0, low);
        assert!(registry.take_next().is_none(), "the cap is 2");
        let ended = registry.end(high).unwrap();
        assert!(ended.holds_slot());
        assert!(registry.take_next().is_none(), "not released yet");
        registry.release();
        assert_eq!(registry.take_next().unwrap().0, low_too);
    }

    #[test]
    fn a_stop_is_asked_once_and_a_held_job_leaves_the_queue() {
        let registry = registry(1);
        let ticket = registry.add(job(0), Arc::new(Silent));
        assert!(registry.request_stop(ticket, StopCause::Asked));
        assert!(!registry.request_stop(ticket, StopCause::Asked));
        let stops = registry.take_stops();
        assert_eq!((stops[0].ticket, stops[0].phase), (ticket, Phase::Held));
        assert!(
            registry.take_stops().is_empty(),
            "each stop is handed out once"
        );
        let ended = registry.end(ticket).unwrap();
        assert!(!ended.holds_slot());
        assert!(registry.take_next().is_none());
        assert!(!registry.request_stop(ticket, StopCause::Asked), "ended");
    }

    #[test]
    fn submitted_jobs_are_in_flight_with_their_id() {
        let registry = registry(4);
        let ticket = registry.add(job(0), Arc::new(Silent));
        registry.take_next().unwrap();
        assert!(registry.in_flight().is_empty());
        registry.submitted(ticket, 42);
        assert_eq!(registry.slurm_id(ticket), Some(42));
        let in_flight = registry.in_flight();
        assert_eq!((in_flight[0].ticket, in_flight[0].id), (ticket, 42));
    }
}
