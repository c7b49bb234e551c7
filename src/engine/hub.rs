//! The sending side of the pool's events, shared by the pool, every job
//! context and every remote handle.

use std::sync::{Arc, OnceLock};

use crossbeam_channel::Sender;

use super::event::Msg;

/// Called after a message is queued, so the consumer can wake up (the window
/// passes its repaint request here).
///
/// The engine calls it with none of its locks held, from whichever thread
/// sent the message (a worker, a submitter, the timer, a remote executor).
/// So a waker may do anything, including calling the pool (`counts`,
/// `submit`, `stop`...); it should return quickly, as the sender waits.
pub type Waker = Arc<dyn Fn() + Send + Sync>;

pub(crate) struct Hub {
    tx: Sender<Msg>,
    waker: OnceLock<Waker>,
}

impl Hub {
    pub(crate) fn new(tx: Sender<Msg>) -> Self {
        Self {
            tx,
            waker: OnceLock::new(),
        }
    }

    pub(crate) fn set_waker(&self, waker: Waker) -> bool {
        self.waker.set(waker).is_ok()
    }

    /// Queues `msg` and wakes the consumer. Only for callers that hold no
    /// lock of the engine's; the others use [`queue`](Self::queue) and wake
    /// once they let go.
    pub(crate) fn send(&self, msg: Msg) {
        self.queue(msg);
        self.wake();
    }

    /// Queues `msg` without waking the consumer. The channel is unbounded and
    /// never blocks; what bounds it is that progress, samples and logs only
    /// ever have one notice in flight per job.
    pub(crate) fn queue(&self, msg: Msg) {
        // The receiver lives in the pool's consumer; if it is gone there is
        // nobody left to tell, which is not the job's problem.
        let _ = self.tx.send(msg);
    }

    /// Calls the waker, if one was set.
    pub(crate) fn wake(&self) {
        if let Some(wake) = self.waker.get() {
            wake();
        }
    }
}
