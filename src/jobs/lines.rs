//! Where a line of a program's output ends: the one place that decides it.
//!
//! The contract, bytes in and lines out, one splitter per stream:
//! - `\n`, `\r\n` and a lone `\r` end a line (so a progress bar redrawn in
//!   place with `\r` becomes one line per redraw); the ending is not kept.
//! - An empty piece ended by `\r` is dropped: bars that start every redraw
//!   with `\r` would otherwise log a blank line per redraw. Blank lines
//!   ended by `\n` are real output and kept.
//! - A line that reaches [`MAX_LINE_BYTES`] without an ending is cut there
//!   (never inside a UTF-8 character) and marked [`Line::cut`]; the rest
//!   follows as the next line. This bounds the memory a program printing
//!   megabytes without a newline can make jobdeck hold.
//! - Bytes that are not UTF-8 become U+FFFD.
//! - A line that began right after a lone `\r`, or was ended by one, is
//!   marked [`Line::redrawn`]: it is a display drawn over in place (a
//!   progress bar), which progress reading treats differently from a line
//!   of text. A `\r` that ends a read is taken as lone (the next read may
//!   be seconds away, and the line should not wait for it); a `\r\n` split
//!   between two reads is the one case this marks wrongly.
//! - [`LineSplitter::finish`] hands out a last line that had no ending.

/// The longest line kept whole, in bytes (64 KiB). Longer lines are cut
/// into pieces of at most this size, each but the last marked as cut.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// One line of output, without its line ending.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Line {
    /// The line's text.
    pub(crate) text: String,
    /// The line went on past [`MAX_LINE_BYTES`]: this is its first part and
    /// the rest follows as the next line.
    pub(crate) cut: bool,
    /// The line began after a lone `\r` or was ended by one: it was drawn
    /// over in place, as progress bars are.
    pub(crate) redrawn: bool,
}

/// Splits one byte stream into [`Line`]s; see the module docs.
#[derive(Debug, Default)]
pub(crate) struct LineSplitter {
    pending: Vec<u8>,
    after_cr: bool,
    /// The pending line began right after a lone `\r`.
    began_after_cr: bool,
}

impl LineSplitter {
    /// Feeds `bytes`, calling `emit` with each completed line.
    pub(crate) fn feed(&mut self, bytes: &[u8], mut emit: impl FnMut(Line)) {
        for (index, &byte) in bytes.iter().enumerate() {
            let after_cr = std::mem::take(&mut self.after_cr);
            match byte {
                b'\n' if after_cr => {}
                b'\n' => emit(self.take_all(false)),
                b'\r' => {
                    self.after_cr = true;
                    if !self.pending.is_empty() {
                        let crlf = bytes.get(index + 1) == Some(&b'\n');
                        emit(self.take_all(!crlf));
                    }
                }
                _ => {
                    if after_cr && self.pending.is_empty() {
                        self.began_after_cr = true;
                    }
                    self.pending.push(byte);
                    if self.pending.len() >= MAX_LINE_BYTES {
                        emit(self.take_cut());
                    }
                }
            }
        }
    }

    /// Ends the stream, emitting a last line that had no line end.
    pub(crate) fn finish(&mut self, mut emit: impl FnMut(Line)) {
        if !self.pending.is_empty() {
            emit(self.take_all(false));
        }
    }

    /// The pending bytes as a whole line; `ended_by_cr` when a lone `\r`
    /// ends it.
    fn take_all(&mut self, ended_by_cr: bool) -> Line {
        let text = String::from_utf8_lossy(&self.pending).into_owned();
        self.pending.clear();
        let redrawn = std::mem::take(&mut self.began_after_cr) || ended_by_cr;
        Line {
            text,
            cut: false,
            redrawn,
        }
    }

    /// The pending bytes up to the last whole character, as a cut line; a
    /// character split by the cap stays pending for the next line.
    fn take_cut(&mut self) -> Line {
        let end = whole_chars_end(&self.pending);
        let text = String::from_utf8_lossy(&self.pending[..end]).into_owned();
        self.pending.drain(..end);
        // The rest of the line began where this piece began.
        Line {
            text,
            cut: true,
            redrawn: self.began_after_cr,
        }
    }
}

/// Where the last complete UTF-8 character of `bytes` ends: `bytes.len()`
/// unless `bytes` ends partway through a multi-byte character, in which
/// case that character's first byte. Bytes that are not UTF-8 at all count
/// as whole (they become U+FFFD anyway).
fn whole_chars_end(bytes: &[u8]) -> usize {
    // A character is at most 4 bytes: its lead byte is among the last 4.
    for back in 1..=bytes.len().min(4) {
        let at = bytes.len() - back;
        let byte = bytes[at];
        if byte & 0b1100_0000 == 0b1000_0000 {
            continue; // a continuation byte: the lead is further back
        }
        let length = match byte.leading_ones() {
            2 => 2,
            3 => 3,
            4 => 4,
            _ => 1, // ASCII, or not a lead byte at all
        };
        return if back < length { at } else { bytes.len() };
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(chunks: &[&[u8]]) -> Vec<Line> {
        let mut splitter = LineSplitter::default();
        let mut out = Vec::new();
        for chunk in chunks {
            splitter.feed(chunk, |line| out.push(line));
        }
        splitter.finish(|line| out.push(line));
        out
    }

    fn texts(chunks: &[&[u8]]) -> Vec<String> {
        lines(chunks).into_iter().map(|line| line.text).collect()
    }

    #[test]
    fn carriage_returns_end_lines_like_newlines() {
        assert_eq!(texts(&[b"\r 10%\r 50%\r100%\n"]), [" 10%", " 50%", "100%"]);
        assert_eq!(texts(&[b"a\r\nb\r", b"\nc"]), ["a", "b", "c"]);
        assert_eq!(texts(&[b"one\n\ntwo\n"]), ["one", "", "two"]);
        assert_eq!(texts(&[b"par", b"tial"]), ["partial"]);
    }

    #[test]
    fn lines_drawn_over_with_carriage_returns_are_marked() {
        let marks = |chunks: &[&[u8]]| -> Vec<(String, bool)> {
            lines(chunks)
                .into_iter()
                .map(|line| (line.text, line.redrawn))
                .collect()
        };
        let mark = |text: &str, redrawn| (text.to_owned(), redrawn);
        // tqdm: every redraw starts with \r, the last ends with \n.
        assert_eq!(
            marks(&[b"\r 10%|#\r 50%|##\r100%|###\n", b"done\n"]),
            [
                mark(" 10%|#", true),
                mark(" 50%|##", true),
                mark("100%|###", true),
                mark("done", false)
            ]
        );
        // Redraws that end with \r, the \r alone in a read of its own.
        assert_eq!(
            marks(&[b"a 10%", b"\r", b"a 20%\r"]),
            [mark("a 10%", true), mark("a 20%", true)]
        );
        // \r\n in one read is a line ending, not a redraw.
        assert_eq!(
            marks(&[b"one\r\ntwo\r\n"]),
            [mark("one", false), mark("two", false)]
        );
    }

    #[test]
    fn endless_lines_are_cut_and_marked() {
        let long = vec![b'x'; MAX_LINE_BYTES + 10];
        let out = lines(&[&long, b"\nnext\n"]);
        assert_eq!(out.len(), 3);
        assert_eq!(out[0].text.len(), MAX_LINE_BYTES);
        assert!(out[0].cut);
        assert_eq!(
            out[1],
            Line {
                text: "x".repeat(10),
                cut: false,
                redrawn: false,
            }
        );
        assert!(!out[2].cut);
    }

    #[test]
    fn a_cut_never_splits_a_character() {
        // 'é' is 2 bytes: one short of the cap, then 'é' straddles it.
        let mut bytes = vec![b'a'; MAX_LINE_BYTES - 1];
        bytes.extend_from_slice("é\n".as_bytes());
        let out = lines(&[&bytes]);
        assert_eq!(out[0].text.len(), MAX_LINE_BYTES - 1);
        assert!(out[0].cut);
        assert_eq!(out[1].text, "é");
        // The same with a 4-byte character, fed a byte at a time.
        let mut bytes = vec![b'a'; MAX_LINE_BYTES - 2];
        bytes.extend_from_slice("🦀\n".as_bytes());
        let chunks: Vec<&[u8]> = bytes.chunks(1).collect();
        let out = lines(&chunks);
        assert_eq!(out[0].text.len(), MAX_LINE_BYTES - 2);
        assert_eq!(out[1].text, "🦀");
    }

    #[test]
    fn whole_chars_end_finds_a_split_character() {
        assert_eq!(whole_chars_end(b"abc"), 3);
        assert_eq!(whole_chars_end("aé".as_bytes()), 3);
        assert_eq!(whole_chars_end(&"aé".as_bytes()[..2]), 1);
        assert_eq!(whole_chars_end(&"a🦀".as_bytes()[..4]), 1);
        assert_eq!(whole_chars_end("a🦀".as_bytes()), 5);
        assert_eq!(whole_chars_end(&[0xff, 0xff]), 2);
        assert_eq!(whole_chars_end(&[]), 0);
    }

    #[test]
    fn invalid_utf8_becomes_replacement_characters() {
        assert_eq!(texts(&[b"a\xffb\n"]), ["a\u{fffd}b"]);
    }
}
