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
mod progress;
mod reader;
pub(crate) mod stderr_tail;
mod watch;

pub use crate::term::MAX_LINE_CHARS;
pub use command::{CommandJob, CommandLineError, default_log_dir};
pub use demo::{DemoJob, DemoKind, FlakyDivision, RandomWalk, Steps, SumRange};
pub(crate) use parent_death::watchdog_pid;
pub use progress::{FormatError, FormatKind, ProgressFormat, ProgressRegex, ProgressRegexError};
