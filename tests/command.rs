//! Command jobs running real programs through a real pool, one file per
//! topic under `tests/command/`.

mod common;

#[path = "command/support.rs"]
mod support;

#[path = "command/outcomes.rs"]
mod outcomes;

#[path = "command/output.rs"]
mod output;

#[path = "command/log_file.rs"]
mod log_file;

#[path = "command/processes.rs"]
mod processes;

#[path = "command/pause.rs"]
mod pause;

#[path = "command/quiet.rs"]
mod quiet;

#[path = "command/killed.rs"]
mod killed;

#[path = "command/escapees.rs"]
mod escapees;
