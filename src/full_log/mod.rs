//! A command job's full log on disk, and reading it back as a terminal
//! showed it. No egui here.
//!
//! The log file holds the program's bytes exactly as they were read (see
//! `jobs/log_file.rs`, which writes it); the marks file beside it says
//! which stream wrote which bytes (see [`marks`](self::marks) for the
//! format). [`FullLog`] reads both back as lines, through one terminal per
//! stream as the live log was made (see [`crate::term`]), with a line
//! index built a slice at a time, so a view can show and search a log of
//! millions of lines with bounded memory and never wait long.

mod index;
mod marks;
mod pages;
mod replay;

pub use index::{FullLog, INDEX_BYTES, Refreshed, ScanCursor};
pub use marks::{MARK_BYTES, Mark, Origin, decode, encode, marks_path};
pub use pages::PAGE_CACHE_BYTES;
pub use replay::EndedLine;

#[cfg(test)]
mod tests;
