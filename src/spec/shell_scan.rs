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
//!   the arguments of `eval`, `trap` and `let`, which run them as code;
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
//! dash does not know), a `'` inside `${...}` inside double quotes — every
//! later placeholder is refused, since its place is not certain.
//!
//! The `{#}` placeholder is a number and may stand anywhere. What a program
//! does with its arguments is beyond a shell parser: `sh -c {}`, `ssh host
//! {}`, bash's `test -v {}` or `$((var))` with the input in `var` run the
//! input as code, and are the command's own business.

use super::expand::{NUMBER, placeholders};

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
    pub token: &'static str,
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

/// Builtins that run their arguments as code.
const EVALUATORS: [&str; 3] = ["eval", "trap", "let"];

/// Reserved words after which a command starts again.
const LEADERS: [&str; 12] = [
    "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}",
];

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

/// The state of a run of commands.
struct Code {
    /// Whether a `)` with no `(` open ends it (the inside of `$(...)`).
    substitution: bool,
    /// Parentheses open for subshells and function definitions.
    parens: usize,
    /// Open `case` statements, innermost last.
    cases: Vec<Case>,
    /// The word being read, if any.
    word: Option<Word>,
    /// Whether the next word is a command's first.
    start: Start,
    /// Set by `<<` (`true` for `<<-`): the next word is a delimiter.
    delimiter_next: Option<bool>,
    /// Here-documents whose bodies begin after the next newline.
    heredocs: Vec<HereDoc>,
    /// Where the arguments being read stand, when the command may run them
    /// as code.
    evaluator: Option<Place>,
    /// Whether a bash `[[` is open (up to its `]]`, or the end of the
    /// command as dash reads it, but across `&&` and `||`).
    test: bool,
}

/// Where the next word falls in a command.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Start {
    /// First word: a reserved word is one.
    Reserved,
    /// After assignments or redirections: a command's name, but reserved
    /// words are plain words here.
    Name,
    /// An argument.
    No,
}

/// Where a `case` statement is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Case {
    /// After `case`: its subject comes.
    Subject,
    /// After the subject: `in` comes.
    In,
    /// Reading patterns (`true` before the first word of one).
    Pattern(bool),
    /// Reading the commands of a branch.
    Body,
}

struct Word {
    start: usize,
    /// Only literal characters: no quotes, expansions or placeholders.
    plain: bool,
    /// Holds a quote or backslash (a here-document delimiter so quoted
    /// makes its body literal).
    quoted: bool,
    /// Holds an expansion or an input placeholder: its text is not known.
    expanded: bool,
}

struct HereDoc {
    /// The delimiter, quotes removed.
    delimiter: String,
    /// `<<-`: leading tabs are removed.
    strip_tabs: bool,
    /// Whether the delimiter was quoted (no line joining in the body).
    quoted: bool,
}

struct Scanner<'a> {
    text: &'a str,
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

    fn code(&mut self) -> &mut Code {
        match self.stack.last_mut() {
            Some(Frame::Code(code)) => code,
            _ => unreachable!("called while reading commands"),
        }
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

    fn code_step(&mut self, byte: u8) -> Scan {
        match byte {
            b'\n' => {
                self.end_word()?;
                self.pos += 1;
                let code = self.code();
                code.test = false;
                code.command_ends();
                let heredocs = std::mem::take(&mut code.heredocs);
                for heredoc in heredocs {
                    self.heredoc_body(&heredoc)?;
                }
            }
            b' ' | b'\t' => {
                self.end_word()?;
                self.pos += 1;
            }
            b'(' if self.array_assignment() => {
                // bash reports a syntax error inside `name=(...)` and goes on
                // with the next line, which may be inside an input.
                self.unclear = Some("a bash array assignment, name=(...)");
                self.end_word()?;
                self.operator(byte)?;
            }
            b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>' => {
                self.end_word()?;
                self.operator(byte)?;
            }
            b'#' if self.code().word.is_none() => self.stack.push(Frame::Comment),
            b'\'' | b'"' => {
                self.in_word(true, false);
                let frame = if byte == b'"' {
                    Frame::Double
                } else {
                    Frame::Single
                };
                self.open(frame);
            }
            b'`' => {
                self.in_word(false, true);
                self.open(Frame::Backquote);
            }
            b'\\' if self.text[self.pos + 1..].starts_with('\n') => {
                // A line continuation: as if neither character were there.
                self.pos += 2;
            }
            b'\\' => {
                self.in_word(true, false);
                self.escape(Place::Backslash)?;
            }
            b'$' => self.dollar(true)?,
            _ => {
                let pos = self.pos;
                self.code().word.get_or_insert(Word::at(pos));
                self.pos += 1;
            }
        }
        Ok(())
    }

    /// Pushes `frame` for the opening character at `self.pos`.
    fn open(&mut self, frame: Frame) {
        self.stack.push(frame);
        self.pos += 1;
    }

    /// Whether the word being read is `name=` or `name+=` (bash also allows
    /// `name[subscript]=`), which a `(` makes a bash array assignment.
    fn array_assignment(&mut self) -> bool {
        let pos = self.pos;
        let text = self.text;
        let Some(word) = &self.code().word else {
            return false;
        };
        let raw = &text[word.start..pos];
        let Some(name) = raw.strip_suffix('=') else {
            return false;
        };
        let name = name.strip_suffix('+').unwrap_or(name);
        let name = match name.split_once('[') {
            Some((name, subscript)) if subscript.ends_with(']') => name,
            _ => name,
        };
        is_assignment(&format!("{name}="))
    }

    /// Reads the operator starting with `byte` at `self.pos`.
    fn operator(&mut self, byte: u8) -> Scan {
        let rest = &self.text.as_bytes()[self.pos..];
        let code = self.code();
        let mut length = 1;
        match byte {
            b';' => {
                length = [";;&", ";;", ";&"]
                    .into_iter()
                    .find(|op| rest.starts_with(op.as_bytes()))
                    .map_or(1, str::len);
                if length > 1
                    && let Some(case) = code.cases.last_mut()
                {
                    *case = Case::Pattern(true);
                }
                code.test = false;
                code.command_ends();
            }
            b'|' if matches!(code.cases.last(), Some(Case::Pattern(_))) => {}
            b'&' | b'|' => {
                if rest.get(1) == Some(&byte) {
                    // `&&` and `||` also join the tests of a `[[ ]]`.
                    length = 2;
                } else {
                    code.test = false;
                }
                code.command_ends();
            }
            b'(' => match code.cases.last_mut() {
                // The optional `(` before a pattern.
                Some(case @ Case::Pattern(true)) => *case = Case::Pattern(false),
                _ if rest.starts_with(b"((") => {
                    // bash's arithmetic command, or its `for ((...))`; dash
                    // reads two subshells, or a syntax error.
                    self.stack.push(Frame::Arithmetic(0));
                    length = 2;
                }
                _ => {
                    code.parens += 1;
                    code.start = Start::Reserved;
                }
            },
            b')' => {
                if let Some(case) = code
                    .cases
                    .last_mut()
                    .filter(|case| matches!(case, Case::Pattern(_)))
                {
                    *case = Case::Body;
                    code.start = Start::Reserved;
                } else if code.parens > 0 {
                    code.parens -= 1;
                    // A function's body may follow `name()`.
                    code.start = Start::Reserved;
                } else if code.substitution {
                    self.stack.pop();
                }
            }
            _ => {
                // `<` or `>`: a redirection, whose target is the next word.
                if rest.starts_with(b"<<<") {
                    length = 3;
                } else if rest.starts_with(b"<<-") {
                    code.delimiter_next = Some(true);
                    length = 3;
                } else if rest.starts_with(b"<<") {
                    code.delimiter_next = Some(false);
                    length = 2;
                } else if rest.len() > 1 && matches!(rest[1], b'&' | b'>' | b'|') {
                    length = 2;
                }
                if code.start == Start::Reserved {
                    code.start = Start::Name;
                }
            }
        }
        self.pos += length;
        Ok(())
    }

    /// Ends the word being read, if any, and takes note of what it was.
    fn end_word(&mut self) -> Scan {
        let pos = self.pos;
        let text = self.text;
        let code = self.code();
        let Some(word) = code.word.take() else {
            return Ok(());
        };
        let raw = &text[word.start..pos];
        let joined = raw.replace("\\\n", "");
        let plain = word.plain.then_some(joined.as_str());
        if let Some(strip_tabs) = code.delimiter_next.take() {
            code.heredocs.push(HereDoc {
                delimiter: unquote(raw),
                strip_tabs,
                quoted: word.quoted,
            });
            return Ok(());
        }
        match code.cases.last_mut() {
            Some(case @ Case::Subject) => {
                *case = Case::In;
                return Ok(());
            }
            Some(Case::In) => {
                if plain == Some("in") {
                    *code.cases.last_mut().expect("just seen") = Case::Pattern(true);
                }
                return Ok(());
            }
            Some(Case::Pattern(first)) => {
                if *first && plain == Some("esac") {
                    code.cases.pop();
                    code.start = Start::No;
                } else {
                    *first = false;
                }
                return Ok(());
            }
            Some(Case::Body) | None => {}
        }
        if code.test && plain == Some("]]") {
            code.test = false;
        }
        let start = code.start;
        code.start = Start::No;
        match plain {
            Some(word) if start == Start::Reserved => match word {
                "case" => code.cases.push(Case::Subject),
                "esac" if code.cases.last() == Some(&Case::Body) => {
                    code.cases.pop();
                }
                "[[" => code.test = true,
                _ if LEADERS.contains(&word) => code.start = Start::Reserved,
                _ => {}
            },
            _ => {}
        }
        if start != Start::No {
            if is_assignment(raw) {
                code.start = Start::Name;
            } else if word.expanded {
                // Its name is only known when it runs: it may be `eval`,
                // unless it is a path, which no builtin's name is.
                if !without_placeholders(raw).contains('/') {
                    code.evaluator = Some(Place::UnnamedCommand);
                }
            } else if let Some(name) = EVALUATORS.iter().find(|name| **name == unquote(raw)) {
                // Quotes keep a reserved word from being one, not a builtin.
                code.evaluator = Some(Place::Evaluated(name));
            }
        }
        Ok(())
    }

    /// Reads a here-document's body, from `self.pos` to the line after its
    /// delimiter line (or the end of the script).
    fn heredoc_body(&mut self, heredoc: &HereDoc) -> Scan {
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

    fn line_end(&self, from: usize) -> usize {
        self.text[from..]
            .find('\n')
            .map_or(self.text.len(), |at| from + at)
    }

    fn single_step(&mut self, byte: u8) {
        if byte == b'\'' {
            self.stack.pop();
        }
        self.pos += 1;
    }

    fn double_step(&mut self, byte: u8) -> Scan {
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

    fn dollar_single_step(&mut self, byte: u8) -> Scan {
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

    fn backquote_step(&mut self, byte: u8) -> Scan {
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

    fn braces_step(&mut self, byte: u8) -> Scan {
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
                let in_double = matches!(self.stack.iter().rev().nth(1), Some(Frame::Double));
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

    fn arithmetic_step(&mut self, byte: u8) -> Scan {
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
            b'"' => self.open(Frame::Double),
            _ => self.pos += 1,
        }
        Ok(())
    }

    fn comment_step(&mut self, byte: u8) {
        if byte == b'\n' {
            // The newline itself ends a command.
            self.stack.pop();
        } else {
            self.pos += 1;
        }
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

impl Word {
    fn at(start: usize) -> Self {
        Self {
            start,
            plain: true,
            quoted: false,
            expanded: false,
        }
    }
}

impl Code {
    fn new(substitution: bool) -> Self {
        Self {
            substitution,
            parens: 0,
            cases: Vec::new(),
            word: None,
            start: Start::Reserved,
            delimiter_next: None,
            heredocs: Vec::new(),
            evaluator: None,
            test: false,
        }
    }

    /// After a command's end (`;`, `&`, `|`, newline): the next word starts
    /// a command.
    fn command_ends(&mut self) {
        self.start = Start::Reserved;
        self.evaluator = None;
    }
}

/// Whether `word` is an assignment (`NAME=...`).
fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        name.chars()
            .next()
            .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// `text` without its placeholders (a `/` in `{/}` is no path's).
fn without_placeholders(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    for (at, token) in placeholders(text) {
        out.push_str(&text[rest..at]);
        rest = at + token.len();
    }
    out.push_str(&text[rest..]);
    out
}

/// Whether `line` ends in an unescaped backslash.
fn ends_in_escape(line: &str) -> bool {
    line.bytes().rev().take_while(|byte| *byte == b'\\').count() % 2 == 1
}

/// A here-document delimiter as the shell compares it: quotes removed.
fn unquote(word: &str) -> String {
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

#[cfg(test)]
mod tests;
