//! The `jobdeck` binary, run for real: job files in a temporary directory,
//! logs in another, and everything checked from exit codes, stdout (human or
//! JSON lines), stderr and `/proc`.

mod common;

#[path = "cli/support.rs"]
mod support;

#[path = "cli/run.rs"]
mod run;

#[path = "cli/processes.rs"]
mod processes;

#[path = "cli/check.rs"]
mod check;

#[path = "cli/slurm_setup.rs"]
mod slurm_setup;

#[path = "cli/desktop.rs"]
mod desktop;

#[path = "cli/halt.rs"]
mod halt;

#[path = "cli/keep_order.rs"]
mod keep_order;

#[path = "cli/history.rs"]
mod history;

#[path = "cli/logs.rs"]
mod logs;
