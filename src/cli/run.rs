//! `jobdeck run FILE`: load a job file, run every job on a pool, report, and
//! tally the outcomes.

use std::collections::HashMap;
use std::io;
use std::num::NonZero;
use std::time::{Duration, Instant};

use crossbeam_channel::RecvTimeoutError;

use crate::engine::{EngineError, EventReceiver, JobId, MAX_THREADS_RANGE, Pool};
use crate::jobfile::{self, JobFileError};

use super::RunSummary;
use super::args::RunArgs;
use super::human::HumanReporter;
use super::interrupt::{self, Interrupts};
use super::json::JsonReporter;
use super::report::Reporter;

/// How often the run loop looks for Ctrl-C while no event arrives.
const INTERRUPT_POLL: Duration = Duration::from_millis(50);

/// Why a run could not start, or broke off.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The job file is missing or invalid (`file:line:column: ...`).
    #[error(transparent)]
    JobFile(#[from] JobFileError),
    /// The job file asks for a pool size out of range.
    #[error("{file}: max_threads must be between 1 and 1024, got {got}")]
    MaxThreads {
        /// The job file, as given.
        file: String,
        /// What it asked for.
        got: usize,
    },
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

impl RunError {
    /// The process exit code: 2 for a bad file or bad options, 1 otherwise.
    #[must_use]
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::JobFile(_) | Self::MaxThreads { .. } | Self::Engine(_) => 2,
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
    let max_threads = args
        .max_threads
        .map(usize::from)
        .or(file.max_threads)
        .unwrap_or_else(default_max_threads);
    if !MAX_THREADS_RANGE.contains(&max_threads) {
        return Err(RunError::MaxThreads {
            file: args.file.display().to_string(),
            got: max_threads,
        });
    }
    let interrupts = Interrupts::install()?;
    let (pool, events) = Pool::new(max_threads)?;

    let started = Instant::now();
    let mut names = HashMap::with_capacity(file.jobs.len());
    let mut order = Vec::with_capacity(file.jobs.len());
    let mut jobs = Vec::with_capacity(file.jobs.len());
    for planned in file.jobs {
        let id = planned.job.id();
        order.push(id);
        names.insert(id, planned.name);
        jobs.push(planned.job);
    }
    pool.submit_all(jobs)?;
    // Made only now, so a refused batch draws no bar; events wait meanwhile.
    let mut reporter: Box<dyn Reporter> = if args.json {
        Box::new(JsonReporter::new())
    } else {
        Box::new(HumanReporter::new(order.len()))
    };
    for id in &order {
        reporter.queued(*id, &names[id])?;
    }

    let mut summary = RunSummary::new(order.len());
    drain(
        &pool,
        events,
        &names,
        &interrupts,
        reporter.as_mut(),
        &mut summary,
    )?;
    summary.wall_secs = started.elapsed().as_secs_f64();
    reporter.finish(&summary)?;
    Ok(summary)
}

/// Reads events until every job has ended, acting on Ctrl-C on the way.
fn drain(
    pool: &Pool,
    mut events: EventReceiver,
    names: &HashMap<JobId, String>,
    interrupts: &Interrupts,
    reporter: &mut dyn Reporter,
    summary: &mut RunSummary,
) -> Result<(), RunError> {
    let mut stopping = false;
    while summary.ended() < summary.jobs {
        let presses = interrupts.count();
        if presses >= 2 {
            reporter.idle()?;
            force_exit();
        }
        if presses == 1 && !stopping {
            stopping = true;
            summary.interrupted = true;
            pool.stop_all();
            reporter.interrupted()?;
        }
        let event = if let Ok(event) = events.try_recv() {
            event
        } else {
            // Nothing waiting: show what we have before blocking.
            reporter.idle()?;
            match events.recv_timeout(INTERRUPT_POLL) {
                Ok(event) => event,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => break,
            }
        };
        let name = names.get(&event.job).map_or("?", String::as_str);
        reporter.event(name, &event)?;
        if let crate::engine::EventKind::Finished(outcome) = &event.kind {
            summary.record(outcome.kind());
        }
    }
    Ok(())
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
