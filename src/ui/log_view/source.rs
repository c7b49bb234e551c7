//! Where a log view's lines come from: a command's full log on disk, or
//! the lines the board keeps in memory for other jobs.

use std::time::Instant;

use crate::board::JobLog;
use crate::engine::LogLine;
use crate::full_log::{FullLog, ScanCursor};

/// The lines a log view shows: finished lines numbered `first()..end()`,
/// then the unfinished lines of the streams.
pub(crate) enum Source<'a> {
    /// A command's full log, read back from its file.
    File(&'a mut FullLog),
    /// The newest lines the board keeps (jobs without a log file, or a
    /// command whose file cannot be read).
    Memory(&'a JobLog),
}

/// Where a search stands in a source between frames.
#[derive(Debug, Default)]
pub(crate) struct ScanState {
    /// The next line to look at.
    pub(crate) next: u64,
    cursor: Option<ScanCursor>,
    text: String,
}

impl ScanState {
    /// A scan from line `from` on.
    pub(crate) fn from_line(from: u64) -> Self {
        Self {
            next: from,
            ..Self::default()
        }
    }
}

impl Source<'_> {
    /// The number of the first line still there (the board drops old
    /// lines; a file keeps them all).
    pub(crate) fn first(&self) -> u64 {
        match self {
            Self::File(_) => 0,
            Self::Memory(log) => log.dropped(),
        }
    }

    /// One past the number of the last finished line.
    pub(crate) fn end(&self) -> u64 {
        match self {
            Self::File(log) => log.lines(),
            Self::Memory(log) => log.dropped() + log.finished().len() as u64,
        }
    }

    /// The streams' unfinished lines, shown after the finished ones.
    pub(crate) fn unfinished(&self) -> Vec<LogLine> {
        match self {
            Self::File(log) => log.unfinished(),
            Self::Memory(log) => log.unfinished_lines().cloned().collect(),
        }
    }

    /// Finished line `number`, if it is there.
    pub(crate) fn line(&mut self, number: u64) -> Option<LogLine> {
        match self {
            Self::File(log) => log.line(number).cloned(),
            Self::Memory(log) => {
                let index = usize::try_from(number.checked_sub(log.dropped())?).ok()?;
                log.finished().get(index).cloned()
            }
        }
    }

    /// Calls `on_line` with the number and text of each finished line from
    /// `scan.next` on, until `deadline` or the last line; returns whether
    /// it got to the last line.
    pub(crate) fn scan(
        &mut self,
        scan: &mut ScanState,
        deadline: Instant,
        mut on_line: impl FnMut(u64, &str),
    ) -> bool {
        match self {
            Self::File(log) => {
                let cursor = match &mut scan.cursor {
                    Some(cursor) if cursor.next_line() == scan.next => cursor,
                    other => other.insert(log.cursor_at(scan.next)),
                };
                let text = &mut scan.text;
                let done = log.scan(cursor, deadline, |number, line| {
                    line.text_into(text);
                    on_line(number, text);
                });
                scan.next = cursor.next_line();
                done
            }
            Self::Memory(log) => {
                let first = log.dropped();
                let from = scan.next.max(first);
                let skip = usize::try_from(from - first).unwrap_or(usize::MAX);
                for (number, line) in (from..).zip(log.finished().iter().skip(skip)) {
                    on_line(number, &line.text);
                }
                scan.next = first + log.finished().len() as u64;
                true
            }
        }
    }
}
