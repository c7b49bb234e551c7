//! What is asked of a running command — stop, pause, resume — carried out as
//! signals to its processes: its process group, and those that left it.

use std::time::{Duration, Instant};

use nix::sys::signal::Signal;

use super::process::JobProcesses;
use crate::engine::JobContext;

/// A change the job's log should show, because the program's output alone
/// would not explain it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Notice {
    /// The group was stopped with SIGSTOP.
    Paused,
    /// The group was continued with SIGCONT.
    Resumed,
}

impl Notice {
    /// The line written to the job's log.
    pub(crate) fn text(self) -> &'static str {
        match self {
            Self::Paused => "jobdeck: paused",
            Self::Resumed => "jobdeck: resumed",
        }
    }
}

/// Follows the job's stop and pause flags: SIGSTOP and SIGCONT as the pause
/// flag changes; once a stop is asked, SIGTERM (with SIGCONT, so a paused
/// program can act on it) and SIGKILL after the grace.
pub(crate) struct Control {
    grace: Duration,
    term_sent: Option<Instant>,
    kill_sent: bool,
    /// Whether the group is stopped by us (SIGSTOP sent, no SIGCONT since).
    group_stopped: bool,
}

impl Control {
    pub(crate) fn new(grace: Duration) -> Self {
        Self {
            grace,
            term_sent: None,
            kill_sent: false,
            group_stopped: false,
        }
    }

    /// Whether a stop was asked and SIGTERM sent.
    pub(crate) fn stop_requested(&self) -> bool {
        self.term_sent.is_some()
    }

    /// Sends whatever the job's flags call for now. Returns a notice for the
    /// log when the program was paused or resumed.
    pub(crate) fn advance(
        &mut self,
        ctx: &JobContext,
        processes: &mut JobProcesses,
    ) -> Option<Notice> {
        if let Some(at) = self.term_sent {
            if !self.kill_sent && at.elapsed() >= self.grace {
                processes.signal(Signal::SIGKILL);
                self.kill_sent = true;
            }
            return None;
        }
        if ctx.should_stop() {
            self.begin_stop(processes);
            return None;
        }
        let pause_wanted = ctx.is_paused();
        if pause_wanted == self.group_stopped {
            return None;
        }
        self.group_stopped = pause_wanted;
        if pause_wanted {
            processes.signal(Signal::SIGSTOP);
            Some(Notice::Paused)
        } else {
            processes.signal(Signal::SIGCONT);
            Some(Notice::Resumed)
        }
    }

    fn begin_stop(&mut self, processes: &mut JobProcesses) {
        processes.signal(Signal::SIGTERM);
        if self.group_stopped {
            // A stopped process only runs its SIGTERM handler (or a shell
            // its trap) once continued; the TERM is already pending then.
            processes.signal(Signal::SIGCONT);
            self.group_stopped = false;
        }
        self.term_sent = Some(Instant::now());
        if self.grace.is_zero() {
            processes.signal(Signal::SIGKILL);
            self.kill_sent = true;
        }
    }
}
