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
    /// Keep the colours of the jobs' log lines as ANSI (SGR) escape
    /// sequences: JSON `log` events get an `ansi` field beside the plain
    /// `line`, and the log lines printed under a failed job are coloured.
    /// Without it, log lines are plain text. (The full log file always
    /// holds the program's bytes as it wrote them.)
    #[arg(long)]
    pub log_ansi: bool,
}
