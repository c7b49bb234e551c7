//! A command job's full log on disk, and reading it back as a terminal
//! shows it. No egui here.
//!
//! The log file holds the program's bytes exactly as they were read (see
//! `jobs/log_file.rs`, which writes it); the marks file beside it says
//! which stream wrote which bytes (see [`marks`](self::marks) for the
//! format).

mod marks;

pub use marks::{MARK_BYTES, Mark, Origin, decode, encode, marks_path};
