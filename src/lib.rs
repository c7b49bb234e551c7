//! jobdeck: a desktop job runner.
//!
//! The [`engine`] runs jobs on a resizable pool and reports what they do as
//! events; [`jobs`] holds the job kinds; [`spec`] reads job files; [`board`]
//! folds events into what a view shows. None of these knows about the window:
//! [`ui`] is the only module that names egui, and [`cli`] the headless runner.

pub mod board;
pub mod cli;
pub mod desktop;
pub mod engine;
pub mod executor;
pub mod jobs;
pub mod spec;
pub mod ui;
