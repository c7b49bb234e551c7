//! jobdeck: a desktop job runner.
//!
//! The [`engine`] runs jobs on a resizable pool and reports what they do as
//! events; [`jobs`] holds the job kinds; [`jobspec`] describes any job as
//! data ([`jobspec::JobSpec`]) and builds it; [`jobfile`] reads job files
//! into specs; [`board`] folds events into what a view shows; [`session`]
//! drives a pool, its events and a board as one, so every consumer (the
//! window, the headless runner, a journal) sees the same fold. None of these
//! knows about the window: `ui` is the only module that names egui, and
//! [`cli`] the headless runner.
//!
//! The window (`ui`, and `desktop`, its launcher entry) is the default
//! `gui` feature; `--no-default-features` builds the headless runner and
//! everything under it without the GUI stack.

pub mod board;
pub mod cli;
#[cfg(feature = "gui")]
pub mod desktop;
pub mod engine;
pub mod executor;
pub mod full_log;
pub mod history;
pub mod jobfile;
pub mod jobs;
pub mod jobspec;
pub mod procfs;
pub mod session;
pub mod term;
#[cfg(feature = "gui")]
pub mod ui;
