//! The pool's worker threads as the scheduler counts them: how many are
//! alive, which wait for work, and how to reach each.

use std::collections::BTreeSet;
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender, unbounded};

use super::scheduler::Dispatch;

/// What a waiting worker receives, on its own channel.
pub(crate) enum WorkerMsg {
    /// Run this job; its start was announced.
    Run(Dispatch),
    /// The pool shrank or shuts down: exit.
    Retire,
}

/// A worker's number (0-based, reused once its worker exits), which is also
/// its desk's.
pub(crate) type WorkerSlot = usize;

#[derive(Default)]
pub(crate) struct WorkerThreads {
    /// Threads started and not yet counted out.
    pub(crate) alive: usize,
    /// Workers waiting for a message, most recently idle last (likeliest to
    /// be still spinning, so the cheapest to wake).
    pub(crate) idle: Vec<WorkerSlot>,
    /// Each slot's channel, for its current worker.
    mail: Vec<Sender<WorkerMsg>>,
    free_slots: BTreeSet<WorkerSlot>,
    pub(crate) handles: Vec<JoinHandle<()>>,
}

impl WorkerThreads {
    /// A slot for a new worker, and the receiving end of its channel.
    pub(crate) fn take_slot(&mut self) -> (WorkerSlot, Receiver<WorkerMsg>) {
        let (tx, rx) = unbounded();
        let slot = if let Some(slot) = self.free_slots.pop_first() {
            self.mail[slot] = tx;
            slot
        } else {
            self.mail.push(tx);
            self.mail.len() - 1
        };
        (slot, rx)
    }

    pub(crate) fn free_slot(&mut self, slot: WorkerSlot) {
        self.free_slots.insert(slot);
    }

    /// Sends to worker `slot`. A worker that has exited cannot receive, and
    /// the scheduler only sends to workers it counts, so failing is not
    /// expected; a dispatch lost that way would have nobody to run it.
    pub(crate) fn send(&self, slot: WorkerSlot, msg: WorkerMsg) -> Result<(), WorkerMsg> {
        match self.mail.get(slot) {
            Some(tx) => tx
                .send(msg)
                .map_err(crossbeam_channel::SendError::into_inner),
            None => Err(msg),
        }
    }

    /// Tells up to `count` idle workers to exit, counting them out.
    pub(crate) fn retire_idle(&mut self, count: usize) {
        for _ in 0..count {
            let Some(slot) = self.idle.pop() else {
                return;
            };
            self.alive -= 1;
            // A worker that exited already has nothing left to retire.
            let _ = self.send(slot, WorkerMsg::Retire);
        }
    }
}
