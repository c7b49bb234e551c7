//! Pages of a full log read back, the most recently used kept in memory.

use std::io;

use super::replay::Replay;
use crate::engine::LogLine;

/// Memory the cached pages may take (16 MiB); the least recently used
/// page goes first past that (the page just read always stays).
pub const PAGE_CACHE_BYTES: usize = 16 << 20;

/// The lines of the log between two places of its index.
#[derive(Debug)]
pub(crate) struct Page {
    /// The number of its first line.
    first: u64,
    lines: Vec<LogLine>,
    /// The log's byte it was read up to.
    end: u64,
    /// The replay where reading stopped, to read on as the log grows.
    tail: Replay,
    bytes: usize,
}

impl Page {
    /// Line `number`, if the page holds it.
    pub(crate) fn line(&self, number: u64) -> Option<&LogLine> {
        let index = usize::try_from(number.checked_sub(self.first)?).ok()?;
        self.lines.get(index)
    }
}

#[derive(Debug)]
struct Entry {
    /// Which page: the index of the place it starts at.
    index: usize,
    page: Page,
    used: u64,
}

/// The pages read recently; see [`PAGE_CACHE_BYTES`].
#[derive(Debug, Default)]
pub(crate) struct PageCache {
    entries: Vec<Entry>,
    bytes: usize,
    clock: u64,
}

fn line_bytes(lines: &[LogLine]) -> usize {
    lines
        .iter()
        .map(|line| line.heap_bytes() + std::mem::size_of::<LogLine>())
        .sum()
}

impl PageCache {
    /// Makes sure the cache has page `index` read up to the log's byte
    /// `end`: as it is, read further from where it stopped, or read anew
    /// from `start()`. `read(replay, end)` replays up to `end` and returns
    /// the lines.
    pub(crate) fn read(
        &mut self,
        index: usize,
        end: u64,
        start: impl FnOnce() -> Replay,
        mut read: impl FnMut(&mut Replay, u64) -> io::Result<Vec<LogLine>>,
    ) -> io::Result<()> {
        self.clock += 1;
        let position = match self.entries.iter().position(|entry| entry.index == index) {
            Some(position) if self.entries[position].page.end <= end => {
                let page = &mut self.entries[position].page;
                if page.end < end {
                    let more = read(&mut page.tail, end)?;
                    let added = line_bytes(&more);
                    page.lines.extend(more);
                    page.end = end;
                    page.bytes += added;
                    self.bytes += added;
                }
                position
            }
            stale => {
                if let Some(position) = stale {
                    self.bytes -= self.entries.swap_remove(position).page.bytes;
                }
                let mut tail = start();
                let first = tail.lines();
                let lines = read(&mut tail, end)?;
                let bytes = line_bytes(&lines);
                self.bytes += bytes;
                self.entries.push(Entry {
                    index,
                    page: Page {
                        first,
                        lines,
                        end,
                        tail,
                        bytes,
                    },
                    used: 0,
                });
                self.entries.len() - 1
            }
        };
        self.entries[position].used = self.clock;
        self.evict(index);
        Ok(())
    }

    /// Page `index`, if cached.
    pub(crate) fn find(&self, index: usize) -> Option<&Page> {
        self.entries
            .iter()
            .find(|entry| entry.index == index)
            .map(|entry| &entry.page)
    }

    /// Drops the least recently used pages past the budget, never `keep`.
    fn evict(&mut self, keep: usize) {
        while self.bytes > PAGE_CACHE_BYTES && self.entries.len() > 1 {
            let Some(oldest) = self
                .entries
                .iter()
                .enumerate()
                .filter(|(_, entry)| entry.index != keep)
                .min_by_key(|(_, entry)| entry.used)
                .map(|(position, _)| position)
            else {
                return;
            };
            self.bytes -= self.entries.swap_remove(oldest).page.bytes;
        }
    }

    /// Bytes of the cached lines.
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    /// Forgets every page (the places they start at changed).
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.bytes = 0;
    }
}
