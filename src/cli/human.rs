//! `jobdeck run` for people: an overall progress bar on stderr (only on a
//! terminal) and one line per finished job on stdout.
//!
//! The bar is the board's overall progress
//! ([`Board::overall`](crate::board::Board::overall)), the same
//! number the window shows, redrawn at the end of every drain round.
//!
//! Lines are printed at the end of the drain round too, after the sinks
//! added before this one have flushed: the run loop adds the history's
//! journal first and has it commit at every flush, so a job shown as
//! ended on stdout is recorded as ended, even if jobdeck is killed the
//! next instant.

use std::io::{self, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::board::{JobView, StateClass};
use crate::engine::{Event, EventKind, Outcome};
use crate::session::{Sink, SinkContext};

use super::summary::seconds;

/// The bar's length: the overall fraction in ten-thousandths.
const BAR_UNITS: u64 = 10_000;

/// Log lines shown under a failed job.
const RECENT_LOG_LINES: usize = 5;

/// Draws the overall bar and prints a line per finished job.
pub(crate) struct HumanReporter {
    bar: ProgressBar,
    ticking: bool,
    /// Lines of this drain round, printed when it ends.
    lines: Vec<String>,
}

impl HumanReporter {
    /// A reporter whose bar draws on stderr and hides itself when stderr is
    /// not a terminal.
    pub(crate) fn new() -> Self {
        Self::with_bar(ProgressBar::with_draw_target(
            Some(BAR_UNITS),
            ProgressDrawTarget::stderr(),
        ))
    }

    fn with_bar(bar: ProgressBar) -> Self {
        let style = ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar:.green/blue} {percent:>3}% {msg}",
        )
        .expect("the bar's template is valid")
        .progress_chars("█▉▊▋▌▍▎▏ ");
        bar.set_style(style);
        Self {
            bar,
            ticking: false,
            lines: Vec::new(),
        }
    }

    /// The bar (a handle to it), so the run loop can print around it and
    /// clear it at the end.
    pub(crate) fn bar(&self) -> &ProgressBar {
        &self.bar
    }

    /// Keeps `line` for the end of the drain round.
    fn print(&mut self, line: String) {
        self.lines.push(line);
    }

    /// Prints the round's lines on stdout without tearing the bar.
    fn print_lines(&mut self) -> io::Result<()> {
        if self.lines.is_empty() {
            return Ok(());
        }
        let lines = std::mem::take(&mut self.lines);
        self.bar.suspend(|| {
            let mut out = io::stdout().lock();
            for line in &lines {
                writeln!(out, "{line}")?;
            }
            out.flush()
        })
    }

    /// Shows the board's overall progress and counts.
    fn show(&self, cx: &SinkContext<'_>) {
        let overall = cx.board.overall(cx.now);
        self.bar.set_position(bar_units(overall.fraction));
        let running = cx.board.count(StateClass::Running) + cx.board.count(StateClass::Stopping);
        // Once all ended, the same words as the window ("stopped: 92 of
        // 300 succeeded"), so a full bar never reads as all done.
        self.bar.set_message(overall.verdict().unwrap_or_else(|| {
            format!("{}/{} done, {running} running", overall.ended, overall.jobs)
        }));
    }
}

/// Where the bar stands for an overall fraction.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn bar_units(fraction: f32) -> u64 {
    // Clamped to 0..=1 first, so the product fits a u64 exactly enough.
    (f64::from(fraction.clamp(0.0, 1.0)) * BAR_UNITS as f64).round() as u64
}

impl Sink for HumanReporter {
    fn submitted(&mut self, _job: &JobView, _cx: &SinkContext<'_>) -> io::Result<()> {
        // Ticking starts with the first job, so a refused file draws no bar.
        if !self.ticking {
            self.ticking = true;
            self.bar.enable_steady_tick(Duration::from_millis(200));
        }
        Ok(())
    }

    fn event(&mut self, event: &Event, cx: &SinkContext<'_>) -> io::Result<()> {
        let Some(job) = cx.board.job(event.job) else {
            return Ok(());
        };
        match &event.kind {
            EventKind::Retrying { attempt, error } => self.print(format!(
                "↻ {}: attempt {attempt} failed ({error}), retrying",
                job.name()
            )),
            EventKind::Finished(outcome) => self.print(finished_line(job, outcome, cx)),
            _ => {}
        }
        Ok(())
    }

    fn flush(&mut self, cx: &SinkContext<'_>) -> io::Result<()> {
        self.print_lines()?;
        self.show(cx);
        Ok(())
    }
}

/// The line for a job that ended as `outcome`, from the board just before
/// it folds the end (the job's last attempt is still running there).
fn finished_line(job: &JobView, outcome: &Outcome, cx: &SinkContext<'_>) -> String {
    let name = job.name();
    let elapsed = job
        .lifecycle
        .elapsed(cx.now)
        .map(|elapsed| seconds(elapsed.as_secs_f64()));
    let elapsed = elapsed.as_deref();
    match outcome {
        Outcome::Succeeded(output) => {
            let mut line = format!("✓ {name}");
            push_elapsed(&mut line, elapsed);
            // A command's summary only repeats its exit code 0.
            if output.exit_code.is_none() && !output.summary.is_empty() {
                line.push_str(": ");
                line.push_str(&output.summary);
            }
            line
        }
        Outcome::Failed { error, .. } => {
            let mut line = format!("✗ {name}: {error}");
            push_elapsed(&mut line, elapsed);
            let recent = job.log.len().saturating_sub(RECENT_LOG_LINES);
            for log_line in job.log.lines().skip(recent) {
                line.push_str("\n    │ ");
                line.push_str(log_line);
            }
            line
        }
        Outcome::TimedOut => {
            let mut line = format!("⏱ {name}: timed out");
            push_elapsed(&mut line, elapsed);
            line
        }
        Outcome::Stopped => {
            let mut line = format!("■ {name}: stopped");
            push_elapsed(&mut line, elapsed);
            line
        }
        Outcome::Cancelled => format!("○ {name}: cancelled before it started"),
        Outcome::Skipped { because } => {
            let dependency = cx
                .board
                .job(*because)
                .map_or_else(|| because.short(), |job| job.name().to_owned());
            format!("↷ {name}: skipped, its dependency {dependency} did not succeed")
        }
    }
}

fn push_elapsed(line: &mut String, elapsed: Option<&str>) {
    if let Some(elapsed) = elapsed {
        line.push_str(" (");
        line.push_str(elapsed);
        line.push(')');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::sync::Arc;
    use std::time::Instant;

    use crate::engine::JobId;
    use crate::jobs::{DemoJob, FlakyDivision, Steps};
    use crate::jobspec::{BuildContext, JobKind, JobSpec, Plan, PlannedJob};
    use crate::session::Session;

    fn planned(spec: JobSpec) -> PlannedJob {
        PlannedJob {
            id: JobId::new(),
            spec: Arc::new(spec),
            after: Vec::new(),
        }
    }

    /// A real run through a session, its bar drawn nowhere: after every
    /// drain round the bar stands where the board's overall progress does,
    /// through progress, retries (which the board does not take back) and
    /// ends.
    #[test]
    fn the_bar_is_the_boards_overall_progress_after_every_round() {
        let mut session = Session::new(2, BuildContext::default()).unwrap();
        let reporter = HumanReporter::with_bar(ProgressBar::hidden());
        let bar = reporter.bar().clone();
        bar.set_length(BAR_UNITS);
        session.add_sink(Box::new(reporter));
        let steps = |n| {
            JobKind::Demo(DemoJob::Steps(Steps {
                steps: n,
                delay_ms: 2,
            }))
        };
        // Fails at step 30 after progress, then runs again: the board's mean
        // drops as the retry starts over, and the bar follows it.
        let mut flaky = JobSpec::new(
            "flaky",
            JobKind::Demo(DemoJob::FlakyDivision(FlakyDivision {
                min_steps: 35,
                max_steps: 35,
                delay_ms: 1,
                seed: Some(1),
            })),
        );
        flaky.retries = 1;
        let plan = Plan {
            jobs: vec![
                planned(JobSpec::new("short", steps(5))),
                planned(JobSpec::new("long", steps(60))),
                planned(flaky),
            ],
            barriers: Vec::new(),
        };
        session.submit(plan).unwrap();
        let mut rounds = 0;
        let mut retried = false;
        let deadline = Instant::now() + Duration::from_secs(20);
        while session.board().live_jobs() > 0 {
            assert!(Instant::now() < deadline, "the jobs did not end in time");
            session
                .wait(Duration::from_millis(5), Duration::from_millis(4))
                .unwrap();
            rounds += 1;
            let overall = session.board().overall(Instant::now());
            assert_eq!(
                bar.position(),
                bar_units(overall.fraction),
                "round {rounds}"
            );
            retried |= session.board().jobs().iter().any(|job| job.attempt > 1);
        }
        assert!(retried, "the flaky job was retried");
        assert!(rounds > 3, "only {rounds} rounds: too few to compare");
        assert_eq!(bar.position(), BAR_UNITS);
        // A full bar over a batch with a failure says so, as the window does.
        assert_eq!(bar.message(), "failed: 2 of 3 succeeded");
    }
}
