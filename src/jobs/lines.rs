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
}

/// Splits one byte stream into [`Line`]s; see the module docs.
#[derive(Debug, Default)]
pub(crate) struct LineSplitter {
    pending: Vec<u8>,
    after_cr: bool,
}

impl LineSplitter {
    /// Feeds `bytes`, calling `emit` with each completed line.
    pub(crate) fn feed(&mut self, bytes: &[u8], mut emit: impl FnMut(Line)) {
        for &byte in bytes {
            let after_cr = std::mem::take(&mut self.after_cr);
            match byte {
                b'\n' if after_cr => {}
                b'\n' => emit(self.take_all()),
                b'\r' => {
                    self.after_cr = true;
                    if !self.pending.is_empty() {
                        emit(self.take_all());
                    }
                }
                _ => {
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
            emit(self.take_all());
        }
    }

    fn take_all(&mut self) -> Line {
        let text = String::from_utf8_lossy(&self.pending).into_owned();
        self.pending.clear();
        Line { text, cut: false }
    }

    /// The pending bytes up to the last whole character, as a cut line; a
    /// character split by the cap stays pending for the next line.
    fn take_cut(&mut self) -> Line {
        let end = whole_chars_end(&self.pending);
        let text = String::from_utf8_lossy(&self.pending[..end]).into_owned();
        self.pending.drain(..end);
        Line { text, cut: true }
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
                cut: false
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
