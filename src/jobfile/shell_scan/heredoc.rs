//! Here-documents: their delimiters and bodies, in which no input
//! placeholder may stand.

use super::NUMBER;
use super::{Misplaced, Place, Scan, Scanner};

/// A here-document whose body is still to come.
pub(super) struct HereDoc {
    /// The delimiter, quotes removed.
    pub(super) delimiter: String,
    /// `<<-`: leading tabs are removed.
    pub(super) strip_tabs: bool,
    /// Whether the delimiter was quoted (no line joining in the body).
    pub(super) quoted: bool,
}

/// Whether `line` ends in an unescaped backslash.
pub(super) fn ends_in_escape(line: &str) -> bool {
    line.bytes().rev().take_while(|byte| *byte == b'\\').count() % 2 == 1
}

/// A here-document delimiter as the shell compares it: quotes removed.
pub(super) fn unquote(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut chars = word.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => out.extend(chars.by_ref().take_while(|c| *c != '\'')),
            '"' => {
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => match chars.next() {
                            Some(escaped @ ('$' | '`' | '"' | '\\')) => out.push(escaped),
                            Some('\n') | None => {}
                            Some(other) => {
                                out.push('\\');
                                out.push(other);
                            }
                        },
                        _ => out.push(c),
                    }
                }
            }
            '\\' => out.extend(chars.next().filter(|c| *c != '\n')),
            _ => out.push(c),
        }
    }
    out
}

impl Scanner<'_> {
    /// Reads a here-document's body, from `self.pos` to the line after its
    /// delimiter line (or the end of the script).
    pub(super) fn heredoc_body(&mut self, heredoc: &HereDoc) -> Scan {
        while self.pos < self.text.len() {
            let line_start = self.pos;
            let mut line_end = self.line_end(line_start);
            if !heredoc.quoted {
                // Backslash-newline joins lines here, before the delimiter
                // is looked for.
                while ends_in_escape(&self.text[line_start..line_end]) && line_end < self.text.len()
                {
                    line_end = self.line_end(line_end + 1);
                }
            }
            let line = self.text[line_start..line_end].replace("\\\n", "");
            let line = if heredoc.strip_tabs {
                line.trim_start_matches('\t')
            } else {
                &line
            };
            self.pos = (line_end + 1).min(self.text.len());
            if line == heredoc.delimiter {
                return Ok(());
            }
            if let Some((at, token)) = self
                .tokens
                .iter()
                .find(|(at, token)| (line_start..line_end).contains(at) && *token != NUMBER)
            {
                return Err(Misplaced {
                    at: *at,
                    token,
                    place: Place::HereDoc,
                });
            }
        }
        Ok(())
    }

    /// Where the line starting at `from` ends (its newline, or the end).
    fn line_end(&self, from: usize) -> usize {
        self.text[from..]
            .find('\n')
            .map_or(self.text.len(), |at| from + at)
    }
}
