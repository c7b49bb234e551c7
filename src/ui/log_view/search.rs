//! Finding text in a log: every match counted and highlighted, stepped
//! through one by one, over the whole log a slice at a time so the window
//! never waits.

use std::time::Instant;

use regex::{Regex, RegexBuilder};

use super::paint::Highlight;
use super::source::{ScanState, Source};

/// Lines with a match that a search remembers, at most (12 bytes each:
/// 12 MiB). Past this the search stops and says so.
pub(crate) const MAX_MATCHING_LINES: usize = 1 << 20;

/// A search in one log view.
#[derive(Debug, Default)]
#[allow(clippy::struct_excessive_bools)] // each says something else
pub(crate) struct Search {
    /// The search bar is shown.
    pub(crate) open: bool,
    /// What to find, as typed.
    pub(crate) query: String,
    /// Upper and lower case differ (off by default).
    pub(crate) match_case: bool,
    /// The query and case the matches below are for.
    searched: Option<(String, bool)>,
    matcher: Option<Regex>,
    /// Lines with at least one match, in order, and how many each has.
    lines: Vec<u64>,
    counts: Vec<u32>,
    total: u64,
    scan: ScanState,
    /// The lines were all looked at (until the log grows).
    caught_up: bool,
    /// [`MAX_MATCHING_LINES`] was reached.
    full: bool,
    /// The match stepped to: an index into `lines`, and which match of
    /// that line.
    current: Option<(usize, u32)>,
}

impl Search {
    /// Looks through more of `source` until `deadline`, starting over when
    /// the query changed. Returns whether there is more to look through.
    pub(crate) fn advance(&mut self, source: &mut Source<'_>, deadline: Instant) -> bool {
        let wanted = (self.query.clone(), self.match_case);
        if self.searched.as_ref() != Some(&wanted) {
            self.restart(source.first());
            self.matcher = matcher(&self.query, self.match_case);
            self.searched = Some(wanted);
        }
        self.forget_dropped(source.first());
        let Some(matcher) = &self.matcher else {
            return false;
        };
        if self.full {
            return false;
        }
        let (lines, counts, total) = (&mut self.lines, &mut self.counts, &mut self.total);
        let mut full = false;
        let caught_up = source.scan(&mut self.scan, deadline, |number, text| {
            if full {
                return;
            }
            let count = matcher.find_iter(text).count();
            if count > 0 {
                lines.push(number);
                counts.push(u32::try_from(count).unwrap_or(u32::MAX));
                *total += count as u64;
                full = lines.len() >= MAX_MATCHING_LINES;
            }
        });
        self.full = full;
        self.caught_up = caught_up;
        !caught_up && !full
    }

    fn restart(&mut self, first: u64) {
        self.lines.clear();
        self.counts.clear();
        self.total = 0;
        self.scan = ScanState::from_line(first);
        self.caught_up = false;
        self.full = false;
        self.current = None;
    }

    /// Matches on lines the log no longer keeps are forgotten.
    fn forget_dropped(&mut self, first: u64) {
        let gone = self.lines.partition_point(|&line| line < first);
        if gone > 0 {
            self.lines.drain(..gone);
            let dropped: u64 = self.counts.drain(..gone).map(u64::from).sum();
            self.total -= dropped;
            self.current = self
                .current
                .and_then(|(index, nth)| Some((index.checked_sub(gone)?, nth)));
        }
        if self.scan.next < first {
            self.scan = ScanState::from_line(first);
        }
    }

    /// Steps to the next match (or the previous one), from the one stepped
    /// to, or else from line `from`; returns the line it is on.
    pub(crate) fn step(&mut self, forward: bool, from: u64) -> Option<u64> {
        if self.lines.is_empty() {
            return None;
        }
        let last = self.lines.len() - 1;
        self.current = Some(match self.current {
            None if forward => (
                self.lines.partition_point(|&line| line < from) % (last + 1),
                0,
            ),
            None => {
                let index = self.lines.partition_point(|&line| line <= from);
                let index = index.checked_sub(1).unwrap_or(last);
                (index, self.counts[index] - 1)
            }
            Some((index, nth)) if forward => {
                if nth + 1 < self.counts[index] {
                    (index, nth + 1)
                } else {
                    (if index == last { 0 } else { index + 1 }, 0)
                }
            }
            Some((index, nth)) => {
                if nth > 0 {
                    (index, nth - 1)
                } else {
                    let index = index.checked_sub(1).unwrap_or(last);
                    (index, self.counts[index] - 1)
                }
            }
        });
        self.current.map(|(index, _)| self.lines[index])
    }

    /// The matches in `text`, line `number` of the log (`None` for an
    /// unfinished line, which is highlighted but not stepped to).
    pub(crate) fn highlights(&self, number: Option<u64>, text: &str) -> Vec<Highlight> {
        let Some(matcher) = self.matcher.as_ref().filter(|_| self.open) else {
            return Vec::new();
        };
        let current = self
            .current
            .and_then(|(index, nth)| (Some(self.lines[index]) == number).then_some(nth as usize));
        matcher
            .find_iter(text)
            .enumerate()
            .map(|(nth, found)| Highlight {
                range: found.range(),
                current: Some(nth) == current,
            })
            .collect()
    }

    /// "3 of 120", "120 matches", "searching… 4 so far", "no match".
    pub(crate) fn status(&self) -> String {
        if self.matcher.is_none() {
            return String::new();
        }
        let position = self.current.map(|(index, nth)| {
            self.counts[..index]
                .iter()
                .map(|&count| u64::from(count))
                .sum::<u64>()
                + u64::from(nth)
                + 1
        });
        let found = match (position, self.total) {
            (_, 0) => "no match".to_owned(),
            (Some(position), total) => format!("{position} of {total}"),
            (None, 1) => "1 match".to_owned(),
            (None, total) => format!("{total} matches"),
        };
        if self.full {
            format!("{found} (stopped at {MAX_MATCHING_LINES} lines)")
        } else if self.caught_up {
            found
        } else {
            format!("searching… {found} so far")
        }
    }

    /// Bytes the search holds for its matches.
    pub(crate) fn bytes(&self) -> usize {
        self.lines.capacity() * 8 + self.counts.capacity() * 4
    }
}

/// Finds `query` as typed (no pattern syntax), ignoring case unless
/// `match_case`; `None` for an empty query.
fn matcher(query: &str, match_case: bool) -> Option<Regex> {
    if query.is_empty() {
        return None;
    }
    RegexBuilder::new(&regex::escape(query))
        .case_insensitive(!match_case)
        .build()
        .ok()
}

/// The byte ranges of `query` in `text` (for tests).
#[cfg(test)]
fn find(query: &str, match_case: bool, text: &str) -> Vec<std::ops::Range<usize>> {
    matcher(query, match_case)
        .map(|m| m.find_iter(text).map(|found| found.range()).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::board::JobLog;
    use crate::engine::LogLine;

    fn far() -> Instant {
        Instant::now() + std::time::Duration::from_secs(60)
    }

    #[test]
    fn queries_are_text_and_ignore_case_unless_asked() {
        assert_eq!(find("Err", false, "err ERR eRr"), [0..3, 4..7, 8..11]);
        assert_eq!(find("Err", true, "err Err"), vec![(4..7)]);
        assert_eq!(
            find("a.b", false, "axb a.b"),
            vec![(4..7)],
            "no pattern syntax"
        );
        assert!(find("", false, "anything").is_empty());
    }

    #[test]
    fn steps_go_through_every_match_and_wrap_around() {
        let mut log = JobLog::default();
        log.extend(
            ["x", "two hits: hit", "none", "hit"].map(LogLine::stdout),
            0,
        );
        let mut search = Search {
            open: true,
            query: "HIT".into(),
            ..Search::default()
        };
        assert!(!search.advance(&mut Source::Memory(&log), far()));
        assert_eq!(search.status(), "3 matches");
        let steps: Vec<_> = (0..4).map(|_| search.step(true, 0)).collect();
        assert_eq!(steps, [Some(1), Some(1), Some(3), Some(1)]);
        assert_eq!(search.status(), "1 of 3");
        assert_eq!(search.step(false, 0), Some(3));
        assert_eq!(search.status(), "3 of 3");
        let highlights = search.highlights(Some(3), "hit");
        assert_eq!(
            highlights,
            [Highlight {
                range: 0..3,
                current: true
            }]
        );
        // A new query starts over.
        search.query = "none".into();
        search.advance(&mut Source::Memory(&log), far());
        assert_eq!(search.status(), "1 match");
        assert_eq!(search.step(true, 0), Some(2));
    }

    #[test]
    fn the_first_step_goes_to_the_first_match_after_the_view() {
        let mut log = JobLog::default();
        log.extend((0..10).map(|n| LogLine::stdout(format!("line {n}"))), 0);
        let mut search = Search {
            open: true,
            query: "line".into(),
            ..Search::default()
        };
        search.advance(&mut Source::Memory(&log), far());
        assert_eq!(search.step(true, 6), Some(6));
        let mut search = Search {
            open: true,
            query: "line".into(),
            ..Search::default()
        };
        search.advance(&mut Source::Memory(&log), far());
        assert_eq!(search.step(false, 6), Some(6));
        assert_eq!(search.step(false, 6), Some(5));
    }
}
