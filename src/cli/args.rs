//! The command line's grammar (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
    /// Open the window with a job file loaded.
    Open {
        /// The job file (TOML).
        file: PathBuf,
    },
    /// Run a job file headless and exit: 0 when every job succeeded, 1 when
    /// any did not, 2 for a bad file.
    Run(RunArgs),
    /// Validate a job file without running it: exit 0 when it is good, 2 when
    /// it is not.
    Check {
        /// The job file (TOML).
        file: PathBuf,
    },
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
