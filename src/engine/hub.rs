//! The sending side of the pool's events, shared by the pool, every job
//! context and every remote handle.

use std::sync::{Arc, OnceLock};

use crossbeam_channel::Sender;

use super::event::Msg;

/// Called after a message is queued, so the consumer can wake up (the window
/// passes its repaint request here), with what the message is about.
///
/// The engine calls it with none of its locks held, from whichever thread
/// sent the message (a worker, a submitter, the timer, a remote executor).
/// So a waker may do anything, including calling the pool (`counts`,
/// `submit`, `stop`...); it should return quickly, as the sender waits.
pub type Waker = Arc<dyn Fn(Wake) + Send + Sync>;

/// What a message that wakes the consumer is about, so that it can pace
/// itself: the window shows a change of state at once and coalesces
/// progress into a few frames a second.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wake {
    /// Progress, plot samples or log lines wait to be read.
    Update,
    /// A job started, ended, is retrying, was placed or was asked to stop.
    Change,
}

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
        let wake = match msg {
            Msg::Progress(_) | Msg::Samples(_) | Msg::Logs(_) => Wake::Update,
            Msg::Event(_) | Msg::Handover { .. } => Wake::Change,
        };
        self.queue(msg);
        self.wake_for(wake);
    }

    /// Queues `msg` without waking the consumer. The channel is unbounded and
    /// never blocks; what bounds it is that progress, samples and logs only
    /// ever have one notice in flight per job.
    pub(crate) fn queue(&self, msg: Msg) {
        // The receiver lives in the pool's consumer; if it is gone there is
        // nobody left to tell, which is not the job's problem.
        let _ = self.tx.send(msg);
    }

    /// Calls the waker, if one was set, for messages queued earlier: those
    /// are events of a job's state (notices of progress, samples and logs
    /// always go through [`send`](Self::send)).
    pub(crate) fn wake(&self) {
        self.wake_for(Wake::Change);
    }

    fn wake_for(&self, wake: Wake) {
        if let Some(waker) = self.waker.get() {
            waker(wake);
        }
    }
}
