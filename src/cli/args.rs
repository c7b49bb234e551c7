//! The command line's grammar (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
}
