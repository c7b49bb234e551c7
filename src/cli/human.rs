//! `jobdeck run` for people: an overall progress bar on stderr (only on a
//! terminal) and one line per finished job on stdout.

use std::collections::{HashMap, VecDeque};
use std::io::{self, Write};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::engine::{Event, EventKind, JobId, Outcome};

use super::RunSummary;
use super::report::Reporter;
use super::summary::seconds;

/// The bar counts each job as this many units, so partial progress shows.
const UNITS_PER_JOB: f64 = 1000.0;

/// Log lines kept per job, shown under it when it fails.
const RECENT_LOG_LINES: usize = 5;

/// What the bar and the finish lines need to know about one job.
#[derive(Default)]
struct Track {
    progress: f32,
    first_started: Option<Instant>,
    recent_log: VecDeque<String>,
}

/// Draws the overall bar and prints a line per finished job.
pub(crate) struct HumanReporter {
    bar: ProgressBar,
    jobs: usize,
    names: HashMap<JobId, String>,
    tracks: HashMap<JobId, Track>,
    /// Sum of every job's progress, finished jobs counting as 1.
    total_progress: f64,
    running: usize,
    ended: usize,
}

impl HumanReporter {
    /// A reporter for a run of `jobs` jobs. The bar draws on stderr and hides
    /// itself when stderr is not a terminal.
    pub(crate) fn new(jobs: usize) -> Self {
        let bar =
            ProgressBar::with_draw_target(Some(units(jobs as f64)), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar:.green/blue} {percent:>3}% {msg}",
        )
        .expect("the bar's template is valid")
        .progress_chars("█▉▊▋▌▍▎▏ ");
        bar.set_style(style);
        bar.enable_steady_tick(Duration::from_millis(200));
        Self {
            bar,
            jobs,
            names: HashMap::new(),
            tracks: HashMap::new(),
            total_progress: 0.0,
            running: 0,
            ended: 0,
        }
    }

    /// Prints `line` on stdout without tearing the bar.
    fn print(&self, line: &str) -> io::Result<()> {
        self.bar.suspend(|| writeln!(io::stdout().lock(), "{line}"))
    }

    fn set_progress(&mut self, job: JobId, progress: f32) {
        let track = self.tracks.entry(job).or_default();
        self.total_progress += f64::from(progress - track.progress);
        track.progress = progress;
        self.bar.set_position(units(self.total_progress));
    }

    fn refresh_message(&self) {
        self.bar.set_message(format!(
            "{}/{} done, {} running",
            self.ended, self.jobs, self.running
        ));
    }

    fn finished(&mut self, name: &str, event: &Event, outcome: &Outcome) -> io::Result<()> {
        self.set_progress(event.job, 1.0);
        self.ended += 1;
        let track = self.tracks.remove(&event.job).unwrap_or_default();
        if track.first_started.is_some() {
            self.running = self.running.saturating_sub(1);
        }
        self.refresh_message();
        let elapsed = track
            .first_started
            .map(|started| seconds(started.elapsed().as_secs_f64()));
        let line = match outcome {
            Outcome::Succeeded(output) => {
                let mut line = format!("✓ {name}");
                push_elapsed(&mut line, elapsed.as_deref());
                // A command's summary only repeats its exit code 0.
                if output.exit_code.is_none() && !output.summary.is_empty() {
                    line.push_str(": ");
                    line.push_str(&output.summary);
                }
                line
            }
            Outcome::Failed { error, .. } => {
                let mut line = format!("✗ {name}: {error}");
                push_elapsed(&mut line, elapsed.as_deref());
                for log_line in &track.recent_log {
                    line.push_str("\n    │ ");
                    line.push_str(log_line);
                }
                line
            }
            Outcome::TimedOut => {
                let mut line = format!("⏱ {name}: timed out");
                push_elapsed(&mut line, elapsed.as_deref());
                line
            }
            Outcome::Stopped => {
                let mut line = format!("■ {name}: stopped");
                push_elapsed(&mut line, elapsed.as_deref());
                line
            }
            Outcome::Cancelled => format!("○ {name}: cancelled before it started"),
            Outcome::Skipped { because } => {
                let dependency = self
                    .names
                    .get(because)
                    .map_or_else(|| because.short(), Clone::clone);
                format!("↷ {name}: skipped, its dependency {dependency} did not succeed")
            }
        };
        self.print(&line)
    }
}

impl Reporter for HumanReporter {
    fn queued(&mut self, job: JobId, name: &str) -> io::Result<()> {
        self.names.insert(job, name.to_owned());
        self.tracks.insert(job, Track::default());
        self.refresh_message();
        Ok(())
    }

    fn event(&mut self, name: &str, event: &Event) -> io::Result<()> {
        match &event.kind {
            EventKind::Started { .. } => {
                let track = self.tracks.entry(event.job).or_default();
                if track.first_started.is_none() {
                    track.first_started = Some(Instant::now());
                    self.running += 1;
                    self.refresh_message();
                }
                Ok(())
            }
            EventKind::Progress(value) => {
                self.set_progress(event.job, value.clamp(0.0, 1.0));
                Ok(())
            }
            EventKind::Log { lines, .. } => {
                let track = self.tracks.entry(event.job).or_default();
                for line in lines.iter().rev().take(RECENT_LOG_LINES).rev() {
                    if track.recent_log.len() == RECENT_LOG_LINES {
                        track.recent_log.pop_front();
                    }
                    track.recent_log.push_back(line.text.clone());
                }
                Ok(())
            }
            EventKind::Retrying { attempt, error } => {
                // A retry starts from scratch: so does its share of the bar.
                self.set_progress(event.job, 0.0);
                self.print(&format!(
                    "↻ {name}: attempt {attempt} failed ({error}), retrying"
                ))
            }
            EventKind::Samples { .. } | EventKind::StopRequested { .. } => Ok(()),
            EventKind::Finished(outcome) => self.finished(name, event, outcome),
        }
    }

    fn idle(&mut self) -> io::Result<()> {
        io::stdout().flush()
    }

    fn interrupted(&mut self) -> io::Result<()> {
        self.bar.suspend(|| {
            eprintln!("interrupted: stopping every job (press Ctrl-C again to quit at once)");
        });
        Ok(())
    }

    fn finish(&mut self, summary: &RunSummary) -> io::Result<()> {
        self.bar.finish_and_clear();
        let mut out = io::stdout().lock();
        writeln!(out, "{summary}")?;
        out.flush()
    }
}

fn push_elapsed(line: &mut String, elapsed: Option<&str>) {
    if let Some(elapsed) = elapsed {
        line.push_str(" (");
        line.push_str(elapsed);
        line.push(')');
    }
}

/// Bar units for a (fractional) number of jobs.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn units(jobs: f64) -> u64 {
    // Never negative and far below 2^53: the cast is exact enough.
    (jobs.max(0.0) * UNITS_PER_JOB).round() as u64
}
