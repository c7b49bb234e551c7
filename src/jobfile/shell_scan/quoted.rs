//! Reading inside quotes, backquotes, `${...}`, arithmetic and comments.

use super::{Frame, Place, Scan, Scanner};

impl Scanner<'_> {
    /// Reads `byte` inside `'...'`.
    pub(super) fn single_step(&mut self, byte: u8) {
        if byte == b'\'' {
            self.stack.pop();
        }
        self.pos += 1;
    }

    /// Reads `byte` inside `"..."`.
    pub(super) fn double_step(&mut self, byte: u8) -> Scan {
        match byte {
            b'"' => {
                self.stack.pop();
                self.pos += 1;
            }
            b'\\' => self.escape(Place::DoubleQuotes)?,
            b'$' => self.dollar(false)?,
            b'`' => {
                self.mark_expanded();
                self.open(Frame::Backquote);
            }
            _ => self.pos += 1,
        }
        Ok(())
    }

    /// Reads `byte` inside `$'...'`.
    pub(super) fn dollar_single_step(&mut self, byte: u8) -> Scan {
        match byte {
            b'\'' => {
                self.stack.pop();
                self.pos += 1;
            }
            b'\\' => {
                // bash ends `$'a\' b'` at the last quote; dash, which reads
                // `$` then `'a\'`, at the second.
                self.unclear = Some("a backslash inside `$'...'`");
                self.escape(Place::DollarQuotes)?;
            }
            _ => self.pos += 1,
        }
        Ok(())
    }

    /// Reads `byte` inside backquotes, which end at the first unescaped
    /// backquote whatever quotes stand between.
    pub(super) fn backquote_step(&mut self, byte: u8) -> Scan {
        match byte {
            b'`' => {
                self.stack.pop();
                self.pos += 1;
            }
            b'\\' => self.escape(Place::Backquotes)?,
            _ => self.pos += 1,
        }
        Ok(())
    }

    /// Reads `byte` inside `${...}`, which ends at the first unquoted `}`.
    pub(super) fn braces_step(&mut self, byte: u8) -> Scan {
        match byte {
            b'}' => {
                self.stack.pop();
                self.pos += 1;
            }
            b'\\' => self.escape(Place::Braces)?,
            b'$' => self.dollar(false)?,
            b'`' => {
                self.mark_expanded();
                self.open(Frame::Backquote);
            }
            b'"' => self.open(Frame::Double),
            b'\'' => {
                let in_double = self
                    .stack
                    .iter()
                    .rev()
                    .skip(1)
                    .find(|frame| !matches!(frame, Frame::Braces))
                    .is_some_and(|frame| matches!(frame, Frame::Double));
                if in_double {
                    // Literal for dash, a quote for bash.
                    self.unclear = Some("a `'` inside `${...}` inside double quotes");
                    self.pos += 1;
                } else {
                    self.open(Frame::Single);
                }
            }
            _ => self.pos += 1,
        }
        Ok(())
    }

    /// Reads `byte` inside `$((...))` or `((...))`, which end at a `))`
    /// with no parenthesis open.
    pub(super) fn arithmetic_step(&mut self, byte: u8) -> Scan {
        let next = self.text.as_bytes().get(self.pos + 1).copied();
        let Some(Frame::Arithmetic(parens)) = self.stack.last_mut() else {
            unreachable!("called inside arithmetic");
        };
        match byte {
            b'(' => {
                *parens += 1;
                self.pos += 1;
            }
            b')' if *parens > 0 => {
                *parens -= 1;
                self.pos += 1;
            }
            b')' if next == Some(b')') => {
                self.stack.pop();
                self.pos += 2;
            }
            b')' => {
                // dash reads on to the `))`; bash tries `$( (...) ...)`.
                self.unclear = Some("a `$((` or `((` with a lone `)`");
                self.pos += 1;
            }
            b'\\' => self.escape(Place::Arithmetic)?,
            b'$' => self.dollar(false)?,
            b'`' => {
                self.mark_expanded();
                self.open(Frame::Backquote);
            }
            b'"' | b'\'' => {
                // dash reads quotes here as plain characters, bash as quotes.
                self.unclear = Some("a quote inside `$((...))` or `((...))`");
                self.pos += 1;
            }
            _ => self.pos += 1,
        }
        Ok(())
    }

    /// Reads `byte` in a comment, which ends before a newline.
    pub(super) fn comment_step(&mut self, byte: u8) {
        if byte == b'\n' {
            // The newline itself ends a command.
            self.stack.pop();
        } else {
            self.pos += 1;
        }
    }
}
