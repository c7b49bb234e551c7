//! What a headless run ended with: counts by outcome and the wall time.

use std::fmt;

use crate::board::{Board, StateClass};
use crate::engine::OutcomeKind;
use crate::session::{HaltWhy, Halted};

/// The tally of a finished `jobdeck run`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunSummary {
    /// Jobs submitted.
    pub jobs: usize,
    /// Jobs that succeeded.
    pub succeeded: usize,
    /// Jobs that failed (non-zero exit, signal, spawn error, panic).
    pub failed: usize,
    /// Jobs stopped while running (Ctrl-C).
    pub stopped: usize,
    /// Jobs stopped by their timeout.
    pub timed_out: usize,
    /// Jobs cancelled before they started (Ctrl-C).
    pub cancelled: usize,
    /// Jobs skipped because a dependency did not succeed.
    pub skipped: usize,
    /// From the first submission to the last job's end.
    pub wall_secs: f64,
    /// Whether Ctrl-C (or SIGTERM/SIGHUP) cut the run short.
    pub interrupted: bool,
    /// What the halt policy did, when it tripped.
    pub halted: Option<Halted>,
}

impl RunSummary {
    /// An empty tally for `jobs` submitted jobs.
    #[must_use]
    pub fn new(jobs: usize) -> Self {
        Self {
            jobs,
            ..Self::default()
        }
    }

    /// The tally of every job on `board`, by the state it is in.
    #[must_use]
    pub fn from_board(
        board: &Board,
        wall_secs: f64,
        interrupted: bool,
        halted: Option<Halted>,
    ) -> Self {
        Self {
            jobs: board.jobs().len(),
            succeeded: board.count(StateClass::Succeeded),
            failed: board.count(StateClass::Failed),
            stopped: board.count(StateClass::Stopped),
            timed_out: board.count(StateClass::TimedOut),
            cancelled: board.count(StateClass::Cancelled),
            skipped: board.count(StateClass::Skipped),
            wall_secs,
            interrupted,
            halted,
        }
    }

    /// Counts one ended job.
    pub fn record(&mut self, outcome: OutcomeKind) {
        *self.count_mut(outcome) += 1;
    }

    /// How many jobs ended as `outcome`.
    #[must_use]
    pub fn count(&self, outcome: OutcomeKind) -> usize {
        match outcome {
            OutcomeKind::Succeeded => self.succeeded,
            OutcomeKind::Failed => self.failed,
            OutcomeKind::Stopped => self.stopped,
            OutcomeKind::TimedOut => self.timed_out,
            OutcomeKind::Cancelled => self.cancelled,
            OutcomeKind::Skipped => self.skipped,
        }
    }

    /// Jobs that have ended so far, whatever the outcome.
    #[must_use]
    pub fn ended(&self) -> usize {
        OUTCOMES.iter().map(|&outcome| self.count(outcome)).sum()
    }

    /// Whether the run went as asked: nothing interrupted it, and every
    /// job succeeded, or a success halt policy tripped and no job that ran
    /// to an end failed (those it stopped or cancelled do not count).
    #[must_use]
    pub fn is_success(&self) -> bool {
        if self.interrupted {
            return false;
        }
        match &self.halted {
            Some(halted) if halted.policy.why == HaltWhy::Success => {
                self.failed + self.timed_out + self.skipped == 0
            }
            Some(_) => false,
            None => self.succeeded == self.jobs,
        }
    }

    /// The process exit code: 0 when [`is_success`](Self::is_success), 1
    /// otherwise.
    #[must_use]
    pub fn exit_code(&self) -> u8 {
        u8::from(!self.is_success())
    }

    fn count_mut(&mut self, outcome: OutcomeKind) -> &mut usize {
        match outcome {
            OutcomeKind::Succeeded => &mut self.succeeded,
            OutcomeKind::Failed => &mut self.failed,
            OutcomeKind::Stopped => &mut self.stopped,
            OutcomeKind::TimedOut => &mut self.timed_out,
            OutcomeKind::Cancelled => &mut self.cancelled,
            OutcomeKind::Skipped => &mut self.skipped,
        }
    }
}

/// Every outcome, in the order the summary lists them.
const OUTCOMES: [OutcomeKind; 6] = [
    OutcomeKind::Succeeded,
    OutcomeKind::Failed,
    OutcomeKind::TimedOut,
    OutcomeKind::Stopped,
    OutcomeKind::Cancelled,
    OutcomeKind::Skipped,
];

/// `10 jobs: 8 succeeded, 1 failed, 1 timed out in 3.2s` — outcomes with a
/// count of zero are left out — and, on a line of its own, what a halt
/// policy did.
impl fmt::Display for RunSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let noun = if self.jobs == 1 { "job" } else { "jobs" };
        write!(f, "{} {noun}: ", self.jobs)?;
        let parts: Vec<String> = OUTCOMES
            .iter()
            .filter(|&&outcome| self.count(outcome) > 0)
            .map(|&outcome| {
                format!(
                    "{} {}",
                    self.count(outcome),
                    outcome.as_str().replace('_', " ")
                )
            })
            .collect();
        if parts.is_empty() {
            f.write_str("none ended")?;
        } else {
            f.write_str(&parts.join(", "))?;
        }
        write!(f, " in {}", seconds(self.wall_secs))?;
        if self.interrupted {
            f.write_str(" (interrupted)")?;
        }
        if let Some(halted) = &self.halted {
            write!(f, "\n{halted}")?;
        }
        Ok(())
    }
}

/// A duration for people: `0.42s`, `3.2s`, `1m05s`.
#[must_use]
pub fn seconds(secs: f64) -> String {
    if secs < 1.0 {
        format!("{secs:.2}s")
    } else if secs < 60.0 {
        format!("{secs:.1}s")
    } else {
        // Whole seconds are plenty at this scale.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let whole = secs.round() as u64;
        format!("{}m{:02}s", whole / 60, whole % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_only_outcomes_that_happened() {
        let mut summary = RunSummary::new(3);
        summary.record(OutcomeKind::Succeeded);
        summary.record(OutcomeKind::Succeeded);
        summary.record(OutcomeKind::TimedOut);
        summary.wall_secs = 3.21;
        assert_eq!(
            summary.to_string(),
            "3 jobs: 2 succeeded, 1 timed out in 3.2s"
        );
        assert_eq!(summary.ended(), 3);
        assert_eq!(summary.exit_code(), 1);
    }

    #[test]
    fn all_succeeded_is_exit_zero_unless_interrupted() {
        let mut summary = RunSummary::new(1);
        summary.record(OutcomeKind::Succeeded);
        assert_eq!(summary.exit_code(), 0);
        summary.interrupted = true;
        assert_eq!(summary.exit_code(), 1);
        assert!(summary.to_string().ends_with("(interrupted)"));
    }

    fn halted(policy: &str) -> Halted {
        Halted {
            policy: policy.parse().unwrap(),
            job: crate::engine::JobId::new(),
            name: "b".to_owned(),
            outcome: OutcomeKind::Failed,
            error: Some("exited with code 3\nmore".to_owned()),
            stopped: 1,
            unstarted: 17,
        }
    }

    #[test]
    fn a_halt_names_the_job_that_tripped_it_and_fails_the_run() {
        let mut summary = RunSummary::new(20);
        summary.record(OutcomeKind::Failed);
        summary.record(OutcomeKind::Succeeded);
        summary.record(OutcomeKind::Stopped);
        summary.cancelled = 17;
        summary.wall_secs = 0.6;
        summary.halted = Some(halted("now,fail=1"));
        assert_eq!(
            summary.to_string(),
            "20 jobs: 1 succeeded, 1 failed, 1 stopped, 17 cancelled in 0.60s\n\
             halted (now,fail=1): \"b\" failed (exited with code 3 more); stopped 1 running \
             job, 17 jobs not started"
        );
        assert_eq!(summary.exit_code(), 1);
    }

    #[test]
    fn a_success_halt_exits_0_unless_a_job_failed() {
        let mut summary = RunSummary::new(20);
        summary.record(OutcomeKind::Succeeded);
        summary.record(OutcomeKind::Stopped);
        summary.cancelled = 18;
        let mut success = halted("now,success=1");
        success.outcome = OutcomeKind::Succeeded;
        success.error = None;
        summary.halted = Some(success);
        assert_eq!(summary.exit_code(), 0);
        summary.record(OutcomeKind::Failed);
        assert_eq!(summary.exit_code(), 1);
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(seconds(0.123), "0.12s");
        assert_eq!(seconds(12.34), "12.3s");
        assert_eq!(seconds(65.0), "1m05s");
    }
}
