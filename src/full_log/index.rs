//! [`FullLog`]: a full log read back in pages through a line index that is
//! built a slice at a time.

use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::pages::PageCache;
use super::replay::{EndedLine, Files, Place, Replay, read_log};
use crate::engine::LogLine;

/// Memory the index's places may take (8 MiB). A place costs about 200
/// bytes plus the unfinished lines it holds; past this budget every other
/// place is dropped and they are kept half as often.
pub const INDEX_BYTES: usize = 8 << 20;

/// Lines between two places of the index at first; doubles when the
/// places outgrow [`INDEX_BYTES`] (after about 10 million lines).
const PLACE_EVERY_LINES: u64 = 256;

/// Bytes of log between two places at most (1 MiB), so a page of long
/// lines costs at most about this much to read back.
const PLACE_EVERY_BYTES: u64 = 1 << 20;

/// Bytes read from the log at once.
const READ_BYTES: usize = 64 * 1024;

/// A command job's full log read back as lines, as the live log showed
/// them: escape sequences turned into styles, redraws in place, stderr
/// lines marked.
///
/// Nothing is read until [`refresh`](Self::refresh), which indexes the log
/// as far as a deadline allows (and again as it grows): lines are counted
/// and every few hundred lines a *place* is kept from which reading can
/// start again. A line is then read by replaying the log from the place
/// before it, a page (the lines between two places) at a time, and recent
/// pages are cached. Memory stays bounded whatever the log's size: the
/// places take at most [`INDEX_BYTES`], the cached pages at most
/// [`PAGE_CACHE_BYTES`](super::PAGE_CACHE_BYTES), plus a 64 KiB buffer.
#[derive(Debug)]
pub struct FullLog {
    path: PathBuf,
    files: Option<Files>,
    error: Option<String>,
    /// The index's own replay, at the end of what is indexed.
    scan: Replay,
    /// `places[0]` is the start of the log; each page starts at one.
    places: Vec<Place>,
    places_bytes: usize,
    /// What `places_bytes` may grow to: [`INDEX_BYTES`] but in tests.
    index_budget: usize,
    place_every_lines: u64,
    /// The log's length at the last refresh.
    log_len: u64,
    pages: PageCache,
    buffer: Vec<u8>,
}

/// What a [`FullLog::refresh`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Refreshed {
    /// More of the log was read (or it started over).
    pub changed: bool,
    /// Everything the log holds now is indexed.
    pub caught_up: bool,
}

/// Where a [`FullLog::scan`] stands between calls.
#[derive(Clone, Debug)]
pub struct ScanCursor {
    replay: Replay,
    /// The first line the caller wants to hear of.
    from: u64,
}

impl FullLog {
    /// The full log at `path`; nothing is read yet.
    #[must_use]
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self::with_index_budget(path, INDEX_BYTES)
    }

    /// As [`new`](Self::new), with places of at most `index_budget` bytes.
    pub(crate) fn with_index_budget(path: impl Into<PathBuf>, index_budget: usize) -> Self {
        let scan = Replay::start();
        let start = scan.place();
        let mut log = Self {
            path: path.into(),
            files: None,
            error: None,
            scan,
            places: Vec::new(),
            places_bytes: 0,
            index_budget,
            place_every_lines: PLACE_EVERY_LINES,
            log_len: 0,
            pages: PageCache::default(),
            buffer: vec![0; READ_BYTES],
        };
        if let Some(start) = start {
            log.keep_place(start);
        }
        log
    }

    /// Where the log is.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the log file was there at the last refresh.
    #[must_use]
    pub fn exists(&self) -> bool {
        self.files.is_some()
    }

    /// The last error reading the log, if any.
    #[must_use]
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// Indexes what the log holds now, until `deadline`.
    pub fn refresh(&mut self, deadline: Instant) -> Refreshed {
        match self.try_refresh(deadline) {
            Ok(refreshed) => {
                self.error = None;
                refreshed
            }
            Err(error) => {
                self.error = Some(format!("cannot read {}: {error}", self.path.display()));
                Refreshed::default()
            }
        }
    }

    fn try_refresh(&mut self, deadline: Instant) -> io::Result<Refreshed> {
        if self.files.is_none() {
            self.files = Files::open(&self.path)?;
        }
        let Some(files) = &self.files else {
            return Ok(Refreshed {
                changed: false,
                caught_up: true,
            });
        };
        let len = files.log_len()?;
        let mut changed = false;
        if len < self.scan.offset() {
            // The file was cut short or replaced: read it anew.
            *self = Self::with_index_budget(std::mem::take(&mut self.path), self.index_budget);
            self.files = Files::open(&self.path)?;
            changed = true;
        }
        self.log_len = len;
        while self.scan.offset() < len && Instant::now() < deadline {
            self.index_some(len)?;
            changed = true;
        }
        Ok(Refreshed {
            changed,
            caught_up: self.scan.offset() == len,
        })
    }

    /// Indexes up to [`READ_BYTES`] more, keeping places on the way.
    fn index_some(&mut self, len: u64) -> io::Result<()> {
        let Some(files) = &self.files else {
            return Ok(());
        };
        let want = usize::try_from(len - self.scan.offset())
            .map_or(READ_BYTES, |left| left.min(READ_BYTES));
        let read = read_log(files, &mut self.buffer[..want], self.scan.offset())?;
        if read == 0 {
            // Shorter than it said: looked at again at the next refresh.
            return Ok(());
        }
        let mut at = 0;
        while at < read {
            let cut = self.next_place_cut(at, read);
            let files = self.files.as_ref().expect("opened above");
            self.scan.feed(files, &self.buffer[at..cut], &mut |_| {})?;
            at = cut;
            if self.place_is_due()
                && let Some(place) = self.scan.place()
            {
                self.keep_place(place);
            }
        }
        Ok(())
    }

    /// Where in `buffer[at..read]` the next place may be kept: after the
    /// line that makes one due, or where the bytes make one due.
    fn next_place_cut(&self, at: usize, read: usize) -> usize {
        let last = self
            .places
            .last()
            .map_or((0, 0), |place| (place.lines, place.offset));
        let lines_left = (last.0 + self.place_every_lines).saturating_sub(self.scan.lines());
        let bytes_left = (last.1 + PLACE_EVERY_BYTES).saturating_sub(self.scan.offset());
        let by_bytes =
            usize::try_from(bytes_left).map_or(read, |left| (at + left.max(1)).min(read));
        let nth = usize::try_from(lines_left.max(1)).unwrap_or(usize::MAX);
        let by_lines = memchr::memchr_iter(b'\n', &self.buffer[at..read])
            .nth(nth - 1)
            .map_or(read, |newline| at + newline + 1);
        by_lines.min(by_bytes)
    }

    fn place_is_due(&self) -> bool {
        self.places.last().is_none_or(|last| {
            self.scan.lines() >= last.lines + self.place_every_lines
                || self.scan.offset() >= last.offset + PLACE_EVERY_BYTES
        })
    }

    fn keep_place(&mut self, place: Place) {
        self.places_bytes += place.bytes();
        self.places.push(place);
        if self.places_bytes > self.index_budget {
            // Keep every other place, the start among them.
            let mut index = 0;
            self.places.retain(|_| {
                index += 1;
                index % 2 == 1
            });
            self.places_bytes = self.places.iter().map(Place::bytes).sum();
            self.place_every_lines *= 2;
            self.pages.clear();
        }
    }

    /// Lines indexed so far (all of them once caught up), not counting the
    /// unfinished ones.
    #[must_use]
    pub fn lines(&self) -> u64 {
        self.scan.lines()
    }

    /// The program's unfinished lines at the end of what is indexed, as it
    /// last redrew them; stdout's first.
    #[must_use]
    pub fn unfinished(&self) -> Vec<LogLine> {
        self.scan.unfinished()
    }

    /// Bytes of the log indexed, and the log's length at the last refresh.
    #[must_use]
    pub fn indexed_bytes(&self) -> (u64, u64) {
        (self.scan.offset(), self.log_len)
    }

    /// Bytes the index's places take.
    #[must_use]
    pub fn index_bytes(&self) -> usize {
        self.places_bytes
    }

    /// Bytes the index and the cached pages take.
    #[must_use]
    pub fn memory_bytes(&self) -> usize {
        self.places_bytes + self.pages.bytes() + self.buffer.capacity()
    }

    /// Line `number` (from 0), if it is indexed.
    pub fn line(&mut self, number: u64) -> Option<&LogLine> {
        if number >= self.scan.lines() {
            return None;
        }
        let page = self.page_of(number);
        if let Err(error) = self.page(page) {
            self.error = Some(format!("cannot read {}: {error}", self.path.display()));
            return None;
        }
        self.pages.find(page)?.line(number)
    }

    /// The lines `range` that are indexed, in order, with their numbers.
    pub fn lines_in(&mut self, range: Range<u64>) -> Vec<(u64, LogLine)> {
        range
            .filter_map(|number| Some((number, self.line(number)?.clone())))
            .collect()
    }

    /// The index of the page holding line `number`.
    fn page_of(&self, number: u64) -> usize {
        self.places
            .partition_point(|place| place.lines <= number)
            .saturating_sub(1)
    }

    /// Page `index`, read (or read further) if the cache does not have it
    /// as it stands now.
    fn page(&mut self, index: usize) -> io::Result<()> {
        let end = self
            .places
            .get(index + 1)
            .map_or(self.scan.offset(), |next| next.offset);
        let Some(files) = &self.files else {
            return Err(io::Error::new(io::ErrorKind::NotFound, "the log is gone"));
        };
        let place = &self.places[index];
        let buffer = &mut self.buffer;
        self.pages.read(
            index,
            end,
            || Replay::from_place(place),
            |replay, stop| read_lines(files, replay, stop, buffer),
        )
    }

    /// Calls `on_line` with each indexed line from `cursor`'s line on, in
    /// order, until `deadline` or the end of the index; returns whether it
    /// reached the end. A new cursor ([`FullLog::cursor_at`]) starts at a
    /// given line. Lines are read afresh, not through the page cache, so a
    /// search through a whole log does not push out the pages on screen.
    pub fn scan(
        &mut self,
        cursor: &mut ScanCursor,
        deadline: Instant,
        mut on_line: impl FnMut(u64, &EndedLine<'_>),
    ) -> bool {
        let Some(files) = &self.files else {
            return true;
        };
        let end = self.scan.offset();
        let from = cursor.from;
        let mut hear = |line: EndedLine<'_>| {
            if line.number >= from {
                on_line(line.number, &line);
            }
        };
        while cursor.replay.offset() < end {
            if Instant::now() >= deadline {
                return false;
            }
            let want = usize::try_from(end - cursor.replay.offset())
                .map_or(READ_BYTES, |left| left.min(READ_BYTES));
            let read = match read_log(files, &mut self.buffer[..want], cursor.replay.offset()) {
                Ok(0) => return true,
                Ok(read) => read,
                Err(error) => {
                    self.error = Some(format!("cannot read {}: {error}", self.path.display()));
                    return true;
                }
            };
            if let Err(error) = cursor.replay.feed(files, &self.buffer[..read], &mut hear) {
                self.error = Some(format!("cannot read {}: {error}", self.path.display()));
                return true;
            }
        }
        true
    }

    /// A cursor for [`scan`](Self::scan) that starts at line `from`.
    #[must_use]
    pub fn cursor_at(&self, from: u64) -> ScanCursor {
        let place = &self.places[self.page_of(from)];
        ScanCursor {
            replay: Replay::from_place(place),
            from,
        }
    }
}

impl ScanCursor {
    /// The next line it would hear of (lines before its start are skipped).
    #[must_use]
    pub fn next_line(&self) -> u64 {
        self.replay.lines().max(self.from)
    }
}

/// Replays from where `replay` stands up to the log's byte `stop`, and
/// returns the lines that ended on the way.
fn read_lines(
    files: &Files,
    replay: &mut Replay,
    stop: u64,
    buffer: &mut [u8],
) -> io::Result<Vec<LogLine>> {
    let mut lines = Vec::new();
    while replay.offset() < stop {
        let want = usize::try_from(stop - replay.offset())
            .map_or(buffer.len(), |left| left.min(buffer.len()));
        let read = read_log(files, &mut buffer[..want], replay.offset())?;
        if read == 0 {
            break;
        }
        replay.feed(files, &buffer[..read], &mut |line: EndedLine<'_>| {
            lines.push(line.to_log_line());
        })?;
    }
    Ok(lines)
}
