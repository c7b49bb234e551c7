//! Job kinds: the built-in demo jobs and external commands.

pub mod command;
mod control;
pub mod demo;
mod escapees;
mod log_file;
pub mod output;
mod parent_death;
mod process;
mod procfs;
mod reader;
mod stderr_tail;
mod watch;

pub use command::{CommandJob, CommandLineError, default_log_dir};
pub use demo::{DemoJob, DemoKind, FlakyDivision, RandomWalk, Steps, SumRange};
