//! Reading a full log from some place in it: bytes and marks in, lines out,
//! through one terminal per origin (stdout, stderr, jobdeck's notes), the
//! same way the live log was made.

use std::collections::VecDeque;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;

use super::marks::{MARK_BYTES, Mark, Origin, decode, marks_path};
use crate::engine::{LineStatus, LogLine, Stream};
use crate::term::{Ended, Paused, Terminal};

/// Marks read from the marks file at once (4 KiB).
const MARKS_PER_READ: usize = 512;

/// The origins, in [`Origin::index`] order.
const ORIGINS: [Origin; 3] = [
    Origin::Program(Stream::Stdout),
    Origin::Program(Stream::Stderr),
    Origin::Jobdeck,
];

/// The open log and marks files.
#[derive(Debug)]
pub(crate) struct Files {
    log: File,
    /// `None` when the log has no marks file: all of it is stdout.
    marks: Option<File>,
}

impl Files {
    /// Opens the log at `path` and its marks; `Ok(None)` when the log does
    /// not exist (yet).
    pub(crate) fn open(path: &Path) -> io::Result<Option<Self>> {
        let log = match File::open(path) {
            Ok(log) => log,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(error),
        };
        let marks = File::open(marks_path(path)).ok();
        Ok(Some(Self { log, marks }))
    }

    /// The log's length now.
    pub(crate) fn log_len(&self) -> io::Result<u64> {
        Ok(self.log.metadata()?.len())
    }
}

/// A line a replay ended: its number (from 0, in the order lines ended),
/// who wrote it, and the line.
pub struct EndedLine<'a> {
    pub(crate) number: u64,
    pub(crate) origin: Origin,
    pub(crate) line: Ended<'a>,
}

impl EndedLine<'_> {
    /// Its number, from 0, in the order lines ended.
    #[must_use]
    pub fn number(&self) -> u64 {
        self.number
    }

    /// Who wrote it.
    #[must_use]
    pub fn origin(&self) -> Origin {
        self.origin
    }

    /// Writes its text (only) into `out`, which is cleared first; a cut
    /// line's [`CUT_NOTE`](crate::engine::CUT_NOTE) is not added.
    pub fn text_into(&self, out: &mut String) {
        self.line.text_into(out);
    }

    /// The line as the log shows it.
    #[must_use]
    pub fn to_log_line(&self) -> LogLine {
        to_log_line(self.origin, &self.line)
    }
}

/// Where a replay stood, at rest, to start another from.
#[derive(Clone, Debug)]
pub(crate) struct Place {
    /// The next byte of the log.
    pub(crate) offset: u64,
    /// The next mark not yet applied, as a byte offset into the marks file.
    marks_at: u64,
    origin: Origin,
    /// Lines ended before this place.
    pub(crate) lines: u64,
    terminals: [Paused; 3],
}

impl Place {
    /// Bytes it holds, on the heap and off.
    pub(crate) fn bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + self
                .terminals
                .iter()
                .map(|paused| paused.bytes() - std::mem::size_of::<Paused>())
                .sum::<usize>()
    }
}

/// A replay of a log from some place on.
#[derive(Clone, Debug)]
pub(crate) struct Replay {
    terminals: [Terminal; 3],
    origin: Origin,
    offset: u64,
    /// Marks read ahead and not yet applied (`None` for a kind this
    /// version does not know).
    marks: VecDeque<(u64, Option<Mark>)>,
    /// The marks file's offset of the first mark in `marks` (or of the
    /// next to read, when `marks` is empty).
    marks_at: u64,
    lines: u64,
}

impl Default for Replay {
    fn default() -> Self {
        Self {
            terminals: Default::default(),
            origin: ORIGINS[0],
            offset: 0,
            marks: VecDeque::new(),
            marks_at: 0,
            lines: 0,
        }
    }
}

impl Replay {
    /// A replay from the start of the log.
    pub(crate) fn start() -> Self {
        Self::default()
    }

    /// A replay from `place`.
    pub(crate) fn from_place(place: &Place) -> Self {
        Self {
            terminals: place.terminals.each_ref().map(Terminal::resume),
            origin: place.origin,
            offset: place.offset,
            marks: VecDeque::new(),
            marks_at: place.marks_at,
            lines: place.lines,
        }
    }

    /// Where it stands, if every terminal is at rest.
    pub(crate) fn place(&self) -> Option<Place> {
        let [a, b, c] = &self.terminals;
        Some(Place {
            offset: self.offset,
            marks_at: self.marks_at,
            origin: self.origin,
            lines: self.lines,
            terminals: [a.pause()?, b.pause()?, c.pause()?],
        })
    }

    /// The next byte of the log it reads.
    pub(crate) fn offset(&self) -> u64 {
        self.offset
    }

    /// Lines ended so far (the number the next one gets).
    pub(crate) fn lines(&self) -> u64 {
        self.lines
    }

    /// The program's unfinished lines, stdout's first.
    pub(crate) fn unfinished(&self) -> Vec<LogLine> {
        ORIGINS[..2]
            .iter()
            .filter_map(|&origin| {
                let Origin::Program(stream) = origin else {
                    return None;
                };
                let line = self.terminals[origin.index()].unfinished()?;
                Some(LogLine::from_terminal(line, stream, LineStatus::Unfinished))
            })
            .collect()
    }

    /// Feeds `bytes`, the log's bytes from [`offset`](Self::offset) on,
    /// applying the marks that fall in them; `on_line` hears each line
    /// that ends.
    pub(crate) fn feed(
        &mut self,
        files: &Files,
        bytes: &[u8],
        on_line: &mut impl FnMut(EndedLine<'_>),
    ) -> io::Result<()> {
        let end = self.offset + bytes.len() as u64;
        let mut at = 0;
        loop {
            let next_mark = self.next_mark(files)?;
            match next_mark {
                Some((offset, mark)) if offset <= self.offset => {
                    if let Some(mark) = mark {
                        self.apply(mark, on_line);
                    }
                    self.marks.pop_front();
                    self.marks_at += MARK_BYTES as u64;
                    continue;
                }
                _ => {}
            }
            let until = next_mark.map_or(end, |(offset, _)| offset.min(end));
            // Both within `bytes`: `until` is at most `end`.
            let stop = at + usize::try_from(until - self.offset).unwrap_or(usize::MAX);
            let origin = self.origin;
            let lines = &mut self.lines;
            self.terminals[origin.index()].feed(&bytes[at..stop], |line| {
                on_line(EndedLine {
                    number: *lines,
                    origin,
                    line,
                });
                *lines += 1;
            });
            at = stop;
            self.offset = until;
            if until == end {
                return Ok(());
            }
        }
    }

    fn apply(&mut self, mark: Mark, on_line: &mut impl FnMut(EndedLine<'_>)) {
        match mark {
            Mark::From(origin) => self.origin = origin,
            Mark::EndOfAttempt => {
                for origin in ORIGINS {
                    let lines = &mut self.lines;
                    let terminal = &mut self.terminals[origin.index()];
                    terminal.finish(|line| {
                        on_line(EndedLine {
                            number: *lines,
                            origin,
                            line,
                        });
                        *lines += 1;
                    });
                    // The next attempt is a new program: plain style.
                    *terminal = Terminal::new();
                }
            }
        }
    }

    /// The first mark not yet applied, reading more marks when none is
    /// waiting. Marks past the end of the marks file are not there yet.
    fn next_mark(&mut self, files: &Files) -> io::Result<Option<(u64, Option<Mark>)>> {
        if self.marks.is_empty()
            && let Some(marks) = &files.marks
        {
            let mut buffer = [0_u8; MARK_BYTES * MARKS_PER_READ];
            let read = read_at_most(marks, &mut buffer, self.marks_at)?;
            for record in buffer[..read - read % MARK_BYTES].chunks_exact(MARK_BYTES) {
                let record: [u8; MARK_BYTES] = record.try_into().unwrap_or_default();
                self.marks.push_back(decode(record));
            }
        }
        Ok(self.marks.front().copied())
    }
}

/// Reads from `offset` until `buffer` is full or the file ends; returns
/// how many bytes were read.
pub(crate) fn read_at_most(file: &File, buffer: &mut [u8], offset: u64) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match file.read_at(&mut buffer[filled..], offset + filled as u64) {
            Ok(0) => break,
            Ok(read) => filled += read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

/// Reads the log's bytes `offset..offset + buffer.len()` (fewer at its end).
pub(crate) fn read_log(files: &Files, buffer: &mut [u8], offset: u64) -> io::Result<usize> {
    read_at_most(&files.log, buffer, offset)
}

/// A line of `origin` as the log shows it: a program's lines ended,
/// jobdeck's notes standalone.
fn to_log_line(origin: Origin, line: &Ended<'_>) -> LogLine {
    match origin {
        Origin::Program(stream) => {
            LogLine::from_terminal(line.to_line(), stream, LineStatus::Finished)
        }
        Origin::Jobdeck => {
            LogLine::from_terminal(line.to_line(), Stream::Stdout, LineStatus::Standalone)
        }
    }
}
