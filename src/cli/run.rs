//! `jobdeck run FILE`: load a job file, run every job through a session,
//! report, and tally the outcomes.
//!
//! The reporters are sinks of the [`Session`]: they read the same events,
//! in the same order, as the window and any journal do, and the tally is
//! the board's.

use std::io;
use std::num::NonZero;
use std::time::{Duration, Instant};

use indicatif::ProgressBar;

use crate::engine::{EngineError, MAX_THREADS_RANGE};
use crate::jobfile::{self, JobFileError};
use crate::jobspec::BuildContext;
use crate::session::{Session, SubmitError};

use super::RunSummary;
use super::args::RunArgs;
use super::human::HumanReporter;
use super::interrupt::{self, Interrupts};
use super::json::JsonReporter;

/// How often the run loop looks for Ctrl-C while no event arrives.
const INTERRUPT_POLL: Duration = Duration::from_millis(50);

/// How long one drain round may fold events before the loop looks for
/// Ctrl-C again.
const FOLD_BUDGET: Duration = Duration::from_millis(50);

/// Why a run could not start, or broke off.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The job file is missing or invalid (`file:line:column: ...`).
    #[error(transparent)]
    JobFile(#[from] JobFileError),
    /// The pool refused the jobs (a dependency problem the file check missed).
    #[error("the jobs could not be queued: {0}")]
    Engine(#[from] EngineError),
    /// The Ctrl-C handler could not be installed.
    #[error("cannot watch for Ctrl-C: {0}")]
    Signals(#[from] ctrlc::Error),
    /// Writing the report failed (stdout closed, disk full).
    #[error("cannot write the report: {0}")]
    Output(#[from] io::Error),
}

impl From<SubmitError> for RunError {
    fn from(error: SubmitError) -> Self {
        match error {
            SubmitError::Engine(error) => Self::Engine(error),
            SubmitError::Sink(error) => Self::Output(error),
        }
    }
}

impl RunError {
    /// The process exit code: 2 for a bad file or bad options, 1 otherwise.
    #[must_use]
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::JobFile(_) | Self::Engine(_) => 2,
            Self::Signals(_) | Self::Output(_) => 1,
        }
    }
}

/// Runs every job of `args.file` and returns the tally once all have ended.
///
/// Ctrl-C stops every job (a command job's whole process group) and the run
/// still returns its summary, marked interrupted. A second Ctrl-C exits the
/// process at once with code 130.
///
/// Installs a process-wide Ctrl-C handler, so call it once per process.
pub fn run(args: &RunArgs) -> Result<RunSummary, RunError> {
    let file = jobfile::load(&args.file)?;
    // Both are checked to be in range: the flag by clap, the file's key
    // when the file is read.
    let max_threads = args
        .max_threads
        .map(usize::from)
        .or(file.max_threads)
        .unwrap_or_else(default_max_threads);
    let interrupts = Interrupts::install()?;
    let mut session = Session::new(max_threads, BuildContext::default())?;
    let bar = if args.json {
        session.add_sink(Box::new(JsonReporter::new(args.log_ansi)));
        None
    } else {
        let reporter = HumanReporter::new(args.log_ansi);
        let bar = reporter.bar().clone();
        session.add_sink(Box::new(reporter));
        Some(bar)
    };

    let started = Instant::now();
    session.submit(file.plan)?;
    let interrupted = follow(&mut session, &interrupts, bar.as_ref())?;
    let summary = RunSummary::from_board(
        session.board(),
        started.elapsed().as_secs_f64(),
        interrupted,
    );
    match bar {
        Some(bar) => {
            bar.finish_and_clear();
            println!("{summary}");
        }
        // stdout is for the JSON lines only.
        None => eprintln!("{summary}"),
    }
    Ok(summary)
}

/// Drives the session until every job has ended, acting on Ctrl-C on the
/// way. Returns whether Ctrl-C was pressed.
fn follow(
    session: &mut Session,
    interrupts: &Interrupts,
    bar: Option<&ProgressBar>,
) -> Result<bool, RunError> {
    let mut stopping = false;
    while session.board().live_jobs() > 0 {
        let presses = interrupts.count();
        if presses >= 2 {
            force_exit();
        }
        if presses == 1 && !stopping {
            stopping = true;
            session.pool().stop_all();
            let say = || {
                eprintln!("interrupted: stopping every job (press Ctrl-C again to quit at once)");
            };
            match bar {
                Some(bar) => bar.suspend(say),
                None => say(),
            }
        }
        session.wait(INTERRUPT_POLL, FOLD_BUDGET)?;
    }
    Ok(stopping)
}

/// The second Ctrl-C: every job was already asked to stop, but command jobs
/// may be waiting out their grace period; kill their process groups now and
/// leave without waiting for anything.
fn force_exit() -> ! {
    let killed = interrupt::kill_child_process_groups();
    eprintln!("interrupted twice: killed {killed} running program(s), exiting at once");
    std::process::exit(130);
}

/// The machine's available parallelism, within the pool's limits.
fn default_max_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, NonZero::get)
        .clamp(*MAX_THREADS_RANGE.start(), *MAX_THREADS_RANGE.end())
}
