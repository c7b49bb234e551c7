//! jobdeck's binary: the window by default, or a headless command.

use std::process::ExitCode;

use clap::Parser as _;
use jobdeck::cli::{self, Cli, Command};
#[cfg(feature = "gui")]
use jobdeck::desktop;

fn main() -> ExitCode {
    // Bad usage exits here with code 2; --help and --version with 0.
    let args = Cli::parse();
    match args.command {
        None => window(None),
        Some(Command::Open { file }) => window(file.as_deref()),
        Some(Command::Run(run_args)) => match cli::run(&run_args) {
            Ok(summary) => ExitCode::from(summary.exit_code()),
            Err(error) => {
                eprintln!("{error}");
                ExitCode::from(error.exit_code())
            }
        },
        Some(Command::Check(check_args)) => match cli::check(&check_args) {
            Ok(jobs) => {
                println!("ok: {jobs} {}", if jobs == 1 { "job" } else { "jobs" });
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("{error}");
                ExitCode::from(error.exit_code())
            }
        },
        Some(Command::History(history_args)) => match cli::history(&history_args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("{error}");
                ExitCode::from(error.exit_code())
            }
        },
        Some(Command::InstallDesktop { uninstall }) => {
            let done = if uninstall {
                uninstall_desktop()
            } else {
                install_desktop()
            };
            edge(done)
        }
    }
}

#[cfg(feature = "gui")]
fn window(job_file: Option<&std::path::Path>) -> ExitCode {
    edge(jobdeck::ui::run(job_file))
}

#[cfg(not(feature = "gui"))]
fn window(_job_file: Option<&std::path::Path>) -> ExitCode {
    edge(Err(without_window("the window")))
}

/// What a build without the `gui` feature says when asked for the window.
#[cfg(not(feature = "gui"))]
fn without_window(what: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "{what} is not in this build of jobdeck (built without the `gui` feature); \
         `jobdeck run FILE` and `jobdeck check FILE` work headless"
    )
}

#[cfg(not(feature = "gui"))]
fn install_desktop() -> anyhow::Result<()> {
    Err(without_window("the desktop launcher entry"))
}

#[cfg(not(feature = "gui"))]
fn uninstall_desktop() -> anyhow::Result<()> {
    Err(without_window("the desktop launcher entry"))
}

#[cfg(feature = "gui")]
fn install_desktop() -> anyhow::Result<()> {
    let report = desktop::install()?;
    println!("wrote {}", report.entry.display());
    for icon in &report.icons {
        println!("wrote {}", icon.display());
    }
    match report.database {
        desktop::DatabaseUpdate::Updated => {
            println!("{}: job files (.toml) open with jobdeck", report.database);
        }
        // Installed all the same: say what is missing, not fail.
        _ => println!("note: {}", report.database),
    }
    println!(
        "jobdeck ({}) is in the application launcher now; `jobdeck install-desktop --uninstall` removes it",
        report.exec.display()
    );
    Ok(())
}

#[cfg(feature = "gui")]
fn uninstall_desktop() -> anyhow::Result<()> {
    let report = desktop::uninstall()?;
    if report.removed.is_empty() {
        println!("nothing to remove: jobdeck was not installed in the launcher");
    }
    for path in &report.removed {
        println!("removed {}", path.display());
    }
    match report.database {
        Some(desktop::DatabaseUpdate::Updated) => println!("ran {}", desktop::UPDATE_DATABASE),
        Some(other) => println!("note: {other}"),
        None => {}
    }
    Ok(())
}

/// Prints an error with its causes and turns it into exit code 1.
fn edge(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
