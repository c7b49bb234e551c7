//! `jobdeck run` for people: an overall progress bar on stderr (only on a
//! terminal) and one line per finished job on stdout.
//!
//! The bar is the board's overall progress
//! ([`Board::overall`](crate::board::Board::overall)), the same
//! number the window shows, redrawn at the end of every drain round, with
//! the counts, the throughput and the time left beside it, as GNU
//! parallel's `--eta --bar` shows them. With `--keep-order`, the lines of
//! jobs come out in submission order (see `in_order.rs`).
//!
//! Lines are printed at the end of the drain round too, after the sinks
//! added before this one have flushed: the run loop adds the history's
//! journal first and has it commit at every flush, so a job shown as
//! ended on stdout is recorded as ended, even if jobdeck is killed the
//! next instant.

use std::io::{self, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::board::{JobView, Overall, StateClass};
use crate::engine::{Event, EventKind, LogLine, Outcome, Stream};
use crate::session::{Sink, SinkContext};
use crate::term::to_ansi;

use super::in_order::InOrder;
use super::summary::seconds;

/// The bar's length: the overall fraction in ten-thousandths.
const BAR_UNITS: u64 = 10_000;

/// Log lines shown under a failed job.
const RECENT_LOG_LINES: usize = 5;

/// Draws the overall bar and prints a line per finished job.
pub(crate) struct HumanReporter {
    bar: ProgressBar,
    ticking: bool,
    /// With `--keep-order`: the lines of later jobs, held back.
    in_order: Option<InOrder>,
    /// What this drain round prints (the lines whose turn it is), printed
    /// when it ends.
    out: Vec<u8>,
    /// With `--log-ansi`: log lines keep their colours.
    log_ansi: bool,
}

impl HumanReporter {
    /// A reporter whose bar draws on stderr and hides itself when stderr is
    /// not a terminal; with `keep_order`, jobs' lines come out in
    /// submission order; with `log_ansi`, log lines keep their colours.
    pub(crate) fn new(keep_order: bool, log_ansi: bool) -> Self {
        let mut reporter = Self::with_bar(ProgressBar::with_draw_target(
            Some(BAR_UNITS),
            ProgressDrawTarget::stderr(),
        ));
        reporter.in_order = keep_order.then(InOrder::new);
        reporter.log_ansi = log_ansi;
        reporter
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
            in_order: None,
            out: Vec::new(),
            log_ansi: false,
        }
    }

    /// The bar (a handle to it), so the run loop can print around it and
    /// clear it at the end.
    pub(crate) fn bar(&self) -> &ProgressBar {
        &self.bar
    }

    /// Keeps `line` of the job with sequence number `seq` for the end of
    /// the drain round, or, with `--keep-order`, for the job's turn.
    fn print(&mut self, seq: u64, line: &str) -> io::Result<()> {
        let bytes = format!("{line}\n");
        match &mut self.in_order {
            Some(in_order) => in_order.write(seq, bytes.as_bytes(), &mut self.out),
            None => self.out.write_all(bytes.as_bytes()),
        }
    }

    /// Prints the round's lines on stdout without tearing the bar.
    fn print_lines(&mut self) -> io::Result<()> {
        if self.out.is_empty() {
            return Ok(());
        }
        let out = std::mem::take(&mut self.out);
        self.bar.suspend(|| {
            let mut stdout = io::stdout().lock();
            stdout.write_all(&out)?;
            stdout.flush()
        })
    }

    /// The job with sequence number `seq` ended: the lines held for the
    /// jobs after it may come out.
    fn end(&mut self, seq: u64) -> io::Result<()> {
        let Some(in_order) = &mut self.in_order else {
            return Ok(());
        };
        in_order.end(seq, &mut self.out)
    }

    /// Shows the board's overall progress, counts, throughput and ETA.
    fn show(&self, cx: &SinkContext<'_>) {
        let overall = cx.board.overall(cx.now);
        self.bar.set_position(bar_units(overall.fraction));
        let running = cx.board.count(StateClass::Running) + cx.board.count(StateClass::Stopping);
        // Once all ended, the same words as the window ("stopped: 92 of
        // 300 succeeded"), so a full bar never reads as all done.
        self.bar.set_message(
            overall
                .verdict()
                .unwrap_or_else(|| bar_message(&overall, running)),
        );
    }
}

/// `9/20 done, 2 running, 4.1 jobs/s, ETA 2.7s`: what GNU parallel's
/// `--eta` says (jobs done and left, the pace, the time left) beside the
/// bar. The ETA is `--` until there is progress to go by.
fn bar_message(overall: &Overall, running: usize) -> String {
    let eta = overall
        .eta
        .map_or_else(|| "--".to_owned(), |eta| seconds(eta.as_secs_f64()));
    format!(
        "{}/{} done, {running} running, {} jobs/s, ETA {eta}",
        overall.ended,
        overall.jobs,
        rate(overall.jobs_per_sec)
    )
}

/// Jobs a second, to 2 significant digits or so.
fn rate(jobs_per_sec: f64) -> String {
    if jobs_per_sec >= 10.0 {
        format!("{jobs_per_sec:.0}")
    } else {
        format!("{jobs_per_sec:.1}")
    }
}

/// Where the bar stands for an overall fraction.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn bar_units(fraction: f32) -> u64 {
    // Clamped to 0..=1 first, so the product fits a u64 exactly enough.
    (f64::from(fraction.clamp(0.0, 1.0)) * BAR_UNITS as f64).round() as u64
}

impl Sink for HumanReporter {
    fn submitted(&mut self, job: &JobView, _cx: &SinkContext<'_>) -> io::Result<()> {
        if let Some(in_order) = &mut self.in_order {
            in_order.submitted(job.seq);
        }
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
        let seq = job.seq;
        match &event.kind {
            EventKind::Retrying { attempt, error } => {
                let line = format!(
                    "↻ {}: attempt {attempt} failed ({error}), retrying",
                    job.name()
                );
                self.print(seq, &line)
            }
            EventKind::Finished(outcome) => {
                let line = finished_line(job, outcome, cx, self.log_ansi);
                self.print(seq, &line)?;
                self.end(seq)
            }
            _ => Ok(()),
        }
    }

    fn flush(&mut self, cx: &SinkContext<'_>) -> io::Result<()> {
        self.print_lines()?;
        self.show(cx);
        Ok(())
    }
}

/// The line for a job that ended as `outcome`, from the board just before
/// it folds the end (the job's last attempt is still running there). A
/// failure is followed by the job's last log lines, each marked with its
/// stream (`out│`, `err│`), plain or, with `log_ansi`, coloured.
fn finished_line(job: &JobView, outcome: &Outcome, cx: &SinkContext<'_>, log_ansi: bool) -> String {
    // A cluster job says which of the cluster's jobs it was.
    let name = match &job.placement {
        Some(placement) => match &placement.remote_id {
            Some(id) => format!("{} [{} {id}]", job.name(), placement.executor),
            None => job.name().to_owned(),
        },
        None => job.name().to_owned(),
    };
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
            for log_line in job.log.entries().skip(recent) {
                push_log_line(&mut line, log_line, log_ansi);
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

/// `\n    out│ text` (or `err│` for stderr).
fn push_log_line(out: &mut String, line: &LogLine, ansi: bool) {
    out.push_str(match line.stream {
        Stream::Stdout => "\n    out│ ",
        Stream::Stderr => "\n    err│ ",
    });
    if ansi {
        out.push_str(&to_ansi(&line.text, &line.styles));
    } else {
        out.push_str(&line.text);
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
        PlannedJob::new(JobId::new(), Arc::new(spec), Vec::new())
    }

    /// A real run through a session, its bar drawn nowhere: after every
    /// drain round the bar stands where the board's overall progress does,
    /// through progress, retries (which the board does not take back) and
    /// ends.
    #[test]
    fn the_bar_says_what_is_done_the_pace_and_the_time_left() {
        let overall = Overall {
            fraction: 0.45,
            jobs: 20,
            ended: 9,
            succeeded: 9,
            joined_late: 0,
            ending: None,
            jobs_per_sec: 4.123,
            eta: Some(Duration::from_millis(2700)),
            elapsed: Duration::from_secs(2),
        };
        assert_eq!(
            bar_message(&overall, 2),
            "9/20 done, 2 running, 4.1 jobs/s, ETA 2.7s"
        );
        let starting = Overall {
            ended: 0,
            jobs_per_sec: 0.0,
            eta: None,
            ..overall
        };
        assert_eq!(
            bar_message(&starting, 2),
            "0/20 done, 2 running, 0.0 jobs/s, ETA --"
        );
        let fast = Overall {
            jobs_per_sec: 812.4,
            ..overall
        };
        assert!(bar_message(&fast, 2).contains(", 812 jobs/s,"));
    }

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
