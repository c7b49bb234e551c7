//! The last lines a command wrote to stderr, for the error of a failed job:
//! "exited with code 3" says little; the program's last complaint says why.

use std::collections::VecDeque;

/// How many stderr lines a failed job's error shows, at most.
pub(crate) const TAIL_LINES: usize = 5;

/// The longest stderr line shown in an error, in bytes; longer ones end in
/// `…`. With [`TAIL_LINES`], the tail adds at most about 1.3 KiB to the
/// error, which stays readable in a window, a terminal and a JSON line.
pub(crate) const TAIL_LINE_BYTES: usize = 256;

/// Keeps the last [`TAIL_LINES`] non-blank stderr lines, each cut to
/// [`TAIL_LINE_BYTES`]. Once full it reuses its buffers, so a program that
/// writes a flood of stderr costs no allocation per line.
#[derive(Debug, Default)]
pub(crate) struct StderrTail {
    lines: VecDeque<String>,
}

impl StderrTail {
    /// Remembers `line` if it is not blank.
    pub(crate) fn push(&mut self, line: &str) {
        let line = line.trim_end();
        if line.trim_start().is_empty() {
            return;
        }
        let mut kept = if self.lines.len() == TAIL_LINES {
            self.lines.pop_front().unwrap_or_default()
        } else {
            String::new()
        };
        kept.clear();
        if line.len() <= TAIL_LINE_BYTES {
            kept.push_str(line);
        } else {
            let mut end = TAIL_LINE_BYTES;
            while !line.is_char_boundary(end) {
                end -= 1;
            }
            kept.push_str(&line[..end]);
            kept.push('…');
        }
        self.lines.push_back(kept);
    }

    /// `what_happened` ("exited with code 3"), followed by the remembered
    /// lines, one per line, when there are any.
    pub(crate) fn explain(&self, what_happened: String) -> String {
        if self.lines.is_empty() {
            return what_happened;
        }
        let mut message = what_happened;
        message.push_str("; last lines on stderr:");
        for line in &self.lines {
            message.push('\n');
            message.push_str(line);
        }
        message
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_stderr_the_message_is_unchanged() {
        let tail = StderrTail::default();
        assert_eq!(
            tail.explain("exited with code 3".into()),
            "exited with code 3"
        );
    }

    #[test]
    fn keeps_the_last_lines_and_skips_blank_ones() {
        let mut tail = StderrTail::default();
        for n in 1..=8 {
            tail.push(&format!("line {n}  "));
            tail.push("   ");
        }
        assert_eq!(
            tail.explain("exited with code 1".into()),
            "exited with code 1; last lines on stderr:\nline 4\nline 5\nline 6\nline 7\nline 8"
        );
    }

    #[test]
    fn long_lines_are_cut_on_a_character_boundary() {
        let mut tail = StderrTail::default();
        let line = format!("{}é tail", "x".repeat(TAIL_LINE_BYTES - 1));
        tail.push(&line);
        let kept = &tail.lines[0];
        assert_eq!(kept, &format!("{}…", "x".repeat(TAIL_LINE_BYTES - 1)));
    }
}
