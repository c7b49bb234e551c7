//! Job kinds: the built-in demo jobs and external commands.

pub mod command;
pub mod demo;
pub mod output;
mod process;

pub use command::{CommandJob, CommandLineError, default_log_dir};
pub use demo::{DemoJob, DemoKind, FlakyDivision, RandomWalk, Steps, SumRange};
