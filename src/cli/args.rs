//! The command line's grammar (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::jobspec::ExecutorKind;
use crate::session::HaltPolicyOrNever;

/// jobdeck: run jobs on a pool of worker threads and watch them.
///
/// With no command, opens the window.
#[derive(Debug, Parser)]
#[command(name = "jobdeck", version, about, long_about = None)]
pub struct Cli {
    /// What to do; the window when absent.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// jobdeck's subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the window with a job file loaded (without one, the window
    /// alone: a launcher passes no file when started with none).
    Open {
        /// The job file (TOML).
        file: Option<PathBuf>,
    },
    /// Run a job file headless and exit: 0 when every job succeeded, 1 when
    /// any did not, 2 for a bad file.
    Run(RunArgs),
    /// Validate a job file without running it: exit 0 when it is good, 2 when
    /// it is not (or when its Slurm jobs cannot reach a cluster from here).
    Check(CheckArgs),
    /// List past runs, or one run's jobs, from the history.
    History(HistoryArgs),
    /// Add jobdeck to the desktop's application launcher (for this user).
    InstallDesktop {
        /// Remove what an earlier install added instead.
        #[arg(long)]
        uninstall: bool,
    },
}

/// Options of `jobdeck run`.
// Each bool is a command-line flag of its own (--json, --keep-order,
// --resume, --resume-failed, --log-ansi), which is how clap's derive spells
// a flag; folding them into enums would not read better on either side.
#[allow(clippy::struct_excessive_bools)]
#[derive(Clone, Debug, Args)]
pub struct RunArgs {
    /// The job file (TOML).
    pub file: PathBuf,
    /// Jobs running at once (1..=1024). Overrides the file's `max_threads`;
    /// the default is the machine's available parallelism.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub max_threads: Option<u16>,
    /// Print one JSON object per event per line on stdout instead of a
    /// progress bar.
    #[arg(long)]
    pub json: bool,
    /// Where command jobs run, over the file's top-level `executor`
    /// (a `[[job]]`'s own `executor` still wins): `local`, or `slurm` to
    /// submit them to the Slurm cluster this machine can reach.
    #[arg(long, value_enum, value_name = "EXECUTOR")]
    pub executor: Option<ExecutorKind>,
    /// End the run early, as GNU parallel's --halt: now,fail=N stops running
    /// jobs and cancels the rest once N jobs failed; soon,fail=N lets running
    /// jobs finish; success=N and done=N count successes or both; N may be
    /// a percentage (soon,fail=10%). Overrides the file's `halt`; `never`
    /// turns it off.
    #[arg(long, value_name = "WHEN,WHY=N")]
    pub halt: Option<HaltPolicyOrNever>,
    /// Print each job's lines (and, with --json, its events other than
    /// progress) in the order the jobs were submitted, holding later jobs'
    /// back until the earlier ones have ended, like GNU parallel's
    /// --keep-order.
    #[arg(long, short = 'k')]
    pub keep_order: bool,
    /// Keep the colours of the jobs' log lines as ANSI (SGR) escape
    /// sequences: JSON `log` events get an `ansi` field beside the plain
    /// `line`, and the log lines printed under a failed job are coloured.
    /// Without it, log lines are plain text. (The full log file always
    /// holds the program's bytes as it wrote them.)
    #[arg(long)]
    pub log_ansi: bool,
    /// Run only what this file's last run left undone (interrupted, queued,
    /// never started), going by the history; refused if the file changed.
    #[arg(long, conflicts_with = "resume_failed")]
    pub resume: bool,
    /// As --resume, and also run again what failed, timed out, was stopped
    /// or was skipped.
    #[arg(long)]
    pub resume_failed: bool,
    /// Write GNU parallel's joblog to PATH: a line per job, as each ends.
    #[arg(long, value_name = "PATH")]
    pub joblog: Option<PathBuf>,
}

/// Options of `jobdeck check`.
#[derive(Clone, Debug, Args)]
pub struct CheckArgs {
    /// The job file (TOML).
    pub file: PathBuf,
    /// Check as `jobdeck run --executor` would run it.
    #[arg(long, value_enum, value_name = "EXECUTOR")]
    pub executor: Option<ExecutorKind>,
}

/// Options of `jobdeck history`.
#[derive(Clone, Debug, Args)]
pub struct HistoryArgs {
    /// The run to show (its number); without it, the list of runs.
    pub run: Option<i64>,
    /// One JSON object per line instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Only the run's jobs that did not succeed (failed, timed out,
    /// stopped, interrupted).
    #[arg(long, requires = "run")]
    pub failed: bool,
    /// Write the run's jobs to PATH as GNU parallel's joblog instead.
    #[arg(long, value_name = "PATH", requires = "run", conflicts_with_all = ["json", "failed"])]
    pub joblog: Option<PathBuf>,
}
