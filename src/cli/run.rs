//! `jobdeck run FILE`: load a job file, run every job through a session,
//! report, and tally the outcomes.
//!
//! The reporters are sinks of the [`Session`]: they read the same events,
//! in the same order, as the window and the history's journal do, and the
//! tally is the board's. Every run is recorded in the history (see
//! [`crate::history`]); `--resume` and `--resume-failed` read it to run only
//! what an earlier run of the same file left to do, and `--joblog` writes
//! GNU parallel's joblog beside.

use std::io;
use std::num::NonZero;
use std::time::{Duration, Instant};

use indicatif::ProgressBar;

use crate::engine::{EngineError, JobId, MAX_THREADS_RANGE};
use crate::executor::slurm::SlurmError;
use crate::history::resume::{self, Mode, ResumeError};
use crate::history::{History, NewRun, Retention, RunEnd, content_hash};
use crate::jobfile::{self, JobFileError, LoadOptions};
use crate::jobspec::{BuildContext, Plan};
use crate::session::{HaltPolicyOrNever, HaltSink, Session, SubmitError};

use super::RunSummary;
use super::args::RunArgs;
use super::human::HumanReporter;
use super::interrupt::{self, Interrupts};
use super::joblog::JoblogWriter;
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
    /// The file's jobs run on a cluster this machine cannot use.
    #[error("{file}: its jobs run on {cluster}, but {error}")]
    Cluster {
        /// The job file.
        file: String,
        /// The cluster's name (`Slurm`).
        cluster: &'static str,
        /// Why it cannot be used.
        error: SlurmError,
    },
    /// `--resume` cannot go on: the file changed, or there is no history.
    #[error(transparent)]
    Resume(#[from] ResumeError),
    /// The joblog cannot be written.
    #[error("cannot write the joblog {path}: {error}")]
    Joblog {
        /// Where it was to go.
        path: String,
        /// Why it cannot.
        error: io::Error,
    },
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
    /// The process exit code: 2 for a bad file, bad options or a cluster
    /// out of reach, 1 otherwise.
    #[must_use]
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::JobFile(_)
            | Self::Engine(_)
            | Self::Cluster { .. }
            | Self::Resume(_)
            | Self::Joblog { .. } => 2,
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
    let content = std::fs::read(&args.file).map_err(|error| {
        JobFileError::whole_file(&args.file, format!("cannot read: {}", io_reason(&error)))
    })?;
    let text = String::from_utf8(content)
        .map_err(|_| JobFileError::whole_file(&args.file, "is not UTF-8 text".to_owned()))?;
    let file = jobfile::parse_with(
        &text,
        &args.file,
        LoadOptions {
            executor: args.executor,
        },
    )?;
    let build = BuildContext::default();
    super::check_clusters(&file, &build.clusters)?;
    let mut history = History::open_default(Retention::default());
    for notice in history.take_notices() {
        eprintln!("jobdeck: {notice}");
    }
    if let Some(problem) = history.problem() {
        eprintln!("jobdeck: {problem}");
    }
    let path = std::path::absolute(&args.file).unwrap_or_else(|_| args.file.clone());
    let hash = content_hash(text.as_bytes());
    let mode = if args.resume_failed {
        Some(Mode::ResumeFailed)
    } else if args.resume {
        Some(Mode::Resume)
    } else {
        None
    };
    let planned = plan_run(&history, file.plan, &path, &hash, mode)?;
    // Both are checked to be in range: the flag by clap, the file's key
    // when the file is read.
    let max_threads = args
        .max_threads
        .map(usize::from)
        .or(file.max_threads)
        .unwrap_or_else(default_max_threads);
    let interrupts = Interrupts::install()?;
    let mut session = Session::new(max_threads, build)?;
    // First among the sinks, so that it acts on the event that trips it
    // before anything else hears of it. It counts the jobs this run submits
    // (with --resume, what is left to run).
    let halt = match args.halt {
        Some(HaltPolicyOrNever(policy)) => policy,
        None => file.halt,
    };
    let halt = halt.map(|policy| {
        let (sink, watch) = HaltSink::new(policy, planned.plan.jobs.iter().map(|job| job.id));
        session.add_sink(Box::new(sink));
        watch
    });
    // Before the reporters, so that it has committed a round before they
    // print it.
    if let Some(journal) = history.journal() {
        session.add_sink(Box::new(journal.commit_each_round()));
    }
    let bar = if args.json {
        session.add_sink(Box::new(JsonReporter::new(args.keep_order, args.log_ansi)));
        None
    } else {
        let reporter = HumanReporter::new(args.keep_order, args.log_ansi);
        let bar = reporter.bar().clone();
        session.add_sink(Box::new(reporter));
        Some(bar)
    };

    if let Some(joblog) = &args.joblog {
        let writer = JoblogWriter::create(joblog, planned.numbers.iter().copied(), mode.is_some())
            .map_err(|error| RunError::Joblog {
                path: joblog.display().to_string(),
                error,
            })?;
        session.add_sink(Box::new(writer));
    }
    let run = history.begin_run(NewRun {
        file: Some(path),
        file_hash: Some(hash),
        max_threads,
        resumed_from: planned.resumed_from,
    });
    history.number(planned.numbers);

    let started = Instant::now();
    session.submit(planned.plan)?;
    let interrupted = follow(&mut session, &interrupts, bar.as_ref())?;
    if let (Some(run), true) = (run, interrupted) {
        history.end_run(run, RunEnd::Interrupted);
    }
    history.sync();
    let summary = RunSummary::from_board(
        session.board(),
        started.elapsed().as_secs_f64(),
        interrupted,
        halt.and_then(|watch| watch.halted()),
    );
    match bar {
        Some(bar) => {
            bar.finish_and_clear();
            println!("{summary}");
        }
        // stdout is for the JSON lines only.
        None => eprintln!("{summary}"),
    }
    if let Some(problem) = history.problem() {
        eprintln!("jobdeck: {problem}");
    }
    Ok(summary)
}

/// What a run submits: the whole file, or what `--resume` leaves of it.
struct Planned {
    plan: Plan,
    /// Each job's number: its place in the file.
    numbers: Vec<(JobId, u32)>,
    resumed_from: Option<crate::history::RunId>,
}

/// Cuts `plan` down as `mode` asks, saying what was skipped and why.
fn plan_run(
    history: &History,
    plan: Plan,
    file: &std::path::Path,
    hash: &str,
    mode: Option<Mode>,
) -> Result<Planned, RunError> {
    let Some(mode) = mode else {
        let numbers = plan
            .jobs
            .iter()
            .zip(1..)
            .map(|(job, seq)| (job.id, seq))
            .collect();
        return Ok(Planned {
            plan,
            numbers,
            resumed_from: None,
        });
    };
    let previous = resume::previous(history, file, hash)?;
    let total = plan.jobs.len();
    let resumed = resume::resume(plan, &previous, mode);
    match previous.run {
        Some(run) => eprintln!(
            "resuming run {run} of {}: {} of {total} job(s) done, {} to run",
            file.display(),
            resumed.done,
            resumed.plan.jobs.len()
        ),
        None => eprintln!(
            "{} has no earlier run in the history: running every job",
            file.display()
        ),
    }
    for (name, why) in &resumed.left_out {
        eprintln!("not run: {name}: {why}");
    }
    Ok(Planned {
        plan: resumed.plan,
        numbers: resumed.numbers,
        resumed_from: previous.run,
    })
}

/// An I/O error's reason without the "(os error 2)" suffix.
fn io_reason(error: &io::Error) -> String {
    let text = error.to_string();
    match text.rfind(" (os error ") {
        Some(end) => text[..end].to_owned(),
        None => text,
    }
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
            force_exit(session);
        }
        if presses == 1 && !stopping {
            stopping = true;
            session.pool().stop_all();
            say(
                bar,
                "interrupted: stopping every job (press Ctrl-C again to quit at once)",
            );
        }
        session.wait(INTERRUPT_POLL, FOLD_BUDGET)?;
    }
    Ok(stopping)
}

/// Prints `line` on stderr, around the bar when there is one.
fn say(bar: Option<&ProgressBar>, line: &str) {
    let print = || eprintln!("{line}");
    match bar {
        Some(bar) => bar.suspend(print),
        None => print(),
    }
}

/// The second Ctrl-C: every job was already asked to stop, but command jobs
/// may be waiting out their grace period; kill their process groups now,
/// cancel the jobs on clusters (one `scancel`, no grace), and leave without
/// waiting for anything.
fn force_exit(session: &Session) -> ! {
    let killed = interrupt::kill_child_process_groups();
    let (cancelled, errors) = session.context().clusters.cancel_all_now();
    for error in errors {
        eprintln!("could not cancel the cluster's jobs: {error}");
    }
    eprintln!(
        "interrupted twice: killed {killed} running program(s) and cancelled {cancelled} \
         cluster job(s), exiting at once"
    );
    std::process::exit(130);
}

/// The machine's available parallelism, within the pool's limits.
fn default_max_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, NonZero::get)
        .clamp(*MAX_THREADS_RANGE.start(), *MAX_THREADS_RANGE.end())
}
