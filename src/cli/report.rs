//! How a headless run tells a person (or a program) what happens.

use std::io;

use crate::engine::{Event, JobId};

use super::RunSummary;

/// Receives everything a run does, in order, and prints it somewhere.
pub(crate) trait Reporter {
    /// A job was accepted by the pool (printed for every job at submission).
    fn queued(&mut self, job: JobId, name: &str) -> io::Result<()>;

    /// Something happened to the job called `name`.
    fn event(&mut self, name: &str, event: &Event) -> io::Result<()>;

    /// No event is waiting right now: a good moment to flush.
    fn idle(&mut self) -> io::Result<()>;

    /// Ctrl-C was pressed and every job was asked to stop.
    fn interrupted(&mut self) -> io::Result<()>;

    /// Every job has ended.
    fn finish(&mut self, summary: &RunSummary) -> io::Result<()>;
}
