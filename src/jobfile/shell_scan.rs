//! Reads a `shell = true` script the way `sh` will, far enough to tell where
//! each placeholder stands, so that `shell_check` can refuse the places
//! where jobdeck's quoting cannot protect an input.
//!
//! jobdeck writes every input value in single quotes (see
//! `expand::sh_quote`). That makes it one literal piece of a word wherever
//! the shell reads ordinary words: unquoted, glued to other text
//! (`pre{}post`), in assignments, redirections, `case` subjects and
//! patterns, `for` lists, and inside `$(...)` even within double quotes
//! (the text between `$(` and `)` is read afresh). Everywhere else its
//! quotes are either literal or closed by the input itself:
//!
//! - inside `'...'`, `"..."` or `$'...'`, after a backslash, or right after
//!   `$` (which would make the quotes `$'...'`);
//! - inside backquotes, whose end is found before quotes are read;
//! - inside `${...}`, whose quotes dash and bash read differently;
//! - inside `$((...))` and bash's `((...))` and `[[ ... ]]`, which may
//!   evaluate text as arithmetic (and which dash does not know), and in
//!   the arguments of `eval`, `trap`, `let` and `alias` (after `command`,
//!   `builtin` or `time` too), which run them as code, or
//!   of a command whose name comes from an expansion or an input (it may be
//!   `eval`; a name with a `/` is a path, never a builtin);
//! - in a comment, which an input with a newline would leave;
//! - in a here-document's body or delimiter, where quotes are not read.
//!
//! The grammar followed is POSIX sh as dash reads it: quotes and
//! backslashes, `$(...)` nested to any depth with `case` patterns (whose
//! `)` does not end it), `${...}` (ended by the first unquoted `}`),
//! `$((...))`, backquotes, comments at the start of a word, here-documents
//! (`<<` and `<<-`, quoted or not, several on a line, with backslash-newline
//! joining lines of unquoted ones) and line continuations. Where dash and
//! bash read the same text differently — a backslash inside `$'...'` (which
//! dash does not know), a `'` inside `${...}` inside double quotes, a quote
//! or a lone `)` inside `$((...))`, bash's array assignment `name=(...)`
//! (after a syntax error inside it bash goes on at the next line, which may
//! be inside an input) — every later placeholder is refused, since its
//! place is not certain. Several of these were found by
//! `tests/shell_safety.rs`, which runs random templates the checker accepts
//! with hostile inputs in dash and bash.
//!
//! The `{#}` placeholder is a number and may stand anywhere. What a program
//! does with its arguments is beyond a shell parser: `sh -c {}`, `ssh host
//! {}`, bash's `test -v {}` or `$((var))` with the input in `var` run the
//! input as code, and are the command's own business.

mod commands;
mod heredoc;
mod quoted;

use super::expand::{NUMBER, placeholders};
use commands::{Code, Word};

/// Where an input placeholder stands that quoting cannot protect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    /// Inside `'...'`.
    SingleQuotes,
    /// Inside `"..."`.
    DoubleQuotes,
    /// Inside `$'...'`.
    DollarQuotes,
    /// Right after an unquoted backslash.
    Backslash,
    /// Right after `$`.
    Dollar,
    /// Inside backquotes.
    Backquotes,
    /// Inside `${...}`.
    Braces,
    /// Inside `$((...))` or `((...))`.
    Arithmetic,
    /// Inside bash's `[[ ... ]]`.
    DoubleBrackets,
    /// In the arguments of `eval`, `trap` or `let`.
    Evaluated(&'static str),
    /// In the arguments of a command whose name holds an expansion or an
    /// input placeholder (and no `/`): it may be `eval`.
    UnnamedCommand,
    /// In a comment.
    Comment,
    /// In a here-document's body or delimiter.
    HereDoc,
    /// After a construct that shells read differently (what it is).
    Unclear(&'static str),
}

/// An input placeholder that stands where quoting cannot protect it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Misplaced {
    /// Its byte offset in the script.
    pub at: usize,
    /// The placeholder, such as `{}`.
    pub token: &'static str,
    /// Where it stands.
    pub place: Place,
}

/// The first input placeholder of `script` (a `shell = true` command) that
/// stands where jobdeck's quoting cannot protect it, if any.
pub(crate) fn misplaced_placeholder(script: &str) -> Option<Misplaced> {
    let mut scanner = Scanner {
        text: script,
        tokens: placeholders(script).collect(),
        pos: 0,
        stack: vec![Frame::Code(Code::new(false))],
        unclear: None,
    };
    scanner.run().err()
}

/// What is being read, innermost last.
enum Frame {
    /// Commands: the script itself, or the inside of `$(...)`.
    Code(Code),
    Single,
    Double,
    DollarSingle,
    Backquote,
    /// `${...}`.
    Braces,
    /// `$((...))` or `((...))`, with its open parentheses.
    Arithmetic(usize),
    Comment,
}

/// A script being read, byte by byte (everything that matters is ASCII).
struct Scanner<'a> {
    text: &'a str,
    /// The placeholders `expand` will replace, by position.
    tokens: Vec<(usize, &'static str)>,
    pos: usize,
    stack: Vec<Frame>,
    /// Set once the script holds something shells read differently.
    unclear: Option<&'static str>,
}

type Scan = Result<(), Misplaced>;

impl Scanner<'_> {
    fn run(&mut self) -> Scan {
        while self.pos < self.text.len() {
            if let Some(token) = self.token_at(self.pos) {
                self.placeholder(token)?;
                self.pos += token.len();
                continue;
            }
            let byte = self.text.as_bytes()[self.pos];
            match self.stack.last() {
                Some(Frame::Code(_)) | None => self.code_step(byte)?,
                Some(Frame::Single) => self.single_step(byte),
                Some(Frame::Double) => self.double_step(byte)?,
                Some(Frame::DollarSingle) => self.dollar_single_step(byte)?,
                Some(Frame::Backquote) => self.backquote_step(byte)?,
                Some(Frame::Braces) => self.braces_step(byte)?,
                Some(Frame::Arithmetic(_)) => self.arithmetic_step(byte)?,
                Some(Frame::Comment) => self.comment_step(byte),
            }
        }
        Ok(())
    }

    /// The placeholder starting at byte `at`, if one does.
    fn token_at(&self, at: usize) -> Option<&'static str> {
        self.tokens
            .binary_search_by_key(&at, |(start, _)| *start)
            .ok()
            .map(|index| self.tokens[index].1)
    }

    /// Checks the placeholder `token` at `self.pos` in the current frame.
    fn placeholder(&mut self, token: &'static str) -> Scan {
        let at = self.pos;
        if token == NUMBER {
            self.in_word(false, false);
            return Ok(());
        }
        if let Some(what) = self.unclear {
            return Err(Misplaced {
                at,
                token,
                place: Place::Unclear(what),
            });
        }
        let place = match self.stack.last() {
            Some(Frame::Single) => Some(Place::SingleQuotes),
            Some(Frame::Double) => Some(Place::DoubleQuotes),
            Some(Frame::DollarSingle) => Some(Place::DollarQuotes),
            Some(Frame::Backquote) => Some(Place::Backquotes),
            Some(Frame::Braces) => Some(Place::Braces),
            Some(Frame::Arithmetic(_)) => Some(Place::Arithmetic),
            Some(Frame::Comment) => Some(Place::Comment),
            Some(Frame::Code(code)) if code.delimiter_next.is_some() => Some(Place::HereDoc),
            Some(Frame::Code(_)) | None => self.enclosing_evaluation(),
        };
        if let Some(place) = place {
            return Err(Misplaced { at, token, place });
        }
        self.in_word(false, true);
        Ok(())
    }

    /// Whether a placeholder in commands here is read again by an enclosing
    /// construct: `$(...)` inside arithmetic, `[[ ]]` or `eval`'s arguments
    /// hands its output to them.
    fn enclosing_evaluation(&self) -> Option<Place> {
        self.stack.iter().rev().find_map(|frame| match frame {
            Frame::Arithmetic(_) => Some(Place::Arithmetic),
            Frame::Code(code) if code.test => Some(Place::DoubleBrackets),
            Frame::Code(code) => code.evaluator,
            _ => None,
        })
    }

    /// Marks the current position as part of a word that is not plain, when
    /// reading commands: `quoted` for a quote or backslash, `expanded` for an
    /// expansion or an input placeholder.
    fn in_word(&mut self, quoted: bool, expanded: bool) {
        let pos = self.pos;
        if let Some(Frame::Code(code)) = self.stack.last_mut() {
            let word = code.word.get_or_insert(Word::at(pos));
            word.plain = false;
            word.quoted |= quoted;
            word.expanded |= expanded;
        }
    }

    /// Marks the word that an expansion here belongs to as expanded: the
    /// word being read by the nearest commands, when only quotes or `${...}`
    /// stand between.
    fn mark_expanded(&mut self) {
        let pos = self.pos;
        for frame in self.stack.iter_mut().rev() {
            match frame {
                Frame::Double | Frame::Braces => {}
                Frame::Code(code) => {
                    let word = code.word.get_or_insert(Word::at(pos));
                    word.plain = false;
                    word.expanded = true;
                    return;
                }
                _ => return,
            }
        }
    }

    /// Pushes `frame` for the opening character at `self.pos`.
    fn open(&mut self, frame: Frame) {
        self.stack.push(frame);
        self.pos += 1;
    }

    /// Reads the backslash at `self.pos` and what it escapes; a placeholder
    /// it escapes stands at `place`.
    fn escape(&mut self, place: Place) -> Scan {
        let next = self.pos + 1;
        match self.token_at(next) {
            Some(token) if token != NUMBER => Err(Misplaced {
                at: next,
                token,
                place,
            }),
            // The number is read as a placeholder next.
            Some(_) => {
                self.pos = next;
                Ok(())
            }
            None => {
                self.pos = next + self.text[next..].chars().next().map_or(0, char::len_utf8);
                Ok(())
            }
        }
    }

    /// Reads the `$` at `self.pos` and what it starts. `quotes`: whether
    /// `$'...'` is a quote here (not inside double quotes).
    fn dollar(&mut self, quotes: bool) -> Scan {
        self.mark_expanded();
        let mut next = self.pos + 1;
        while self.text[next..].starts_with("\\\n") {
            next += 2;
        }
        if let Some(token) = self.token_at(next) {
            if token != NUMBER {
                return Err(Misplaced {
                    at: next,
                    token,
                    place: Place::Dollar,
                });
            }
            self.pos = next;
            return Ok(());
        }
        let rest = &self.text[next..];
        let (frame, length) = if rest.starts_with("((") {
            (Frame::Arithmetic(0), 2)
        } else if rest.starts_with('(') {
            (Frame::Code(Code::new(true)), 1)
        } else if rest.starts_with('{') {
            (Frame::Braces, 1)
        } else if quotes && rest.starts_with('\'') {
            (Frame::DollarSingle, 1)
        } else {
            self.pos = next;
            return Ok(());
        };
        self.stack.push(frame);
        self.pos = next + length;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
