//! Reading commands: words, operators, keywords (`case`, `[[`, `eval`...)
//! and where a command starts, as dash reads them.

use super::heredoc::{HereDoc, unquote};
use super::placeholders;
use super::{Frame, Place, Scan, Scanner};

/// Builtins that run their arguments as code (`alias` when the alias is
/// used).
const EVALUATORS: [&str; 4] = ["eval", "trap", "let", "alias"];

/// Words before a command's name that run it, builtins included:
/// `command eval ...` is `eval ...`.
const PREFIXES: [&str; 3] = ["command", "builtin", "time"];

/// Reserved words after which a command starts again.
const LEADERS: [&str; 12] = [
    "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}",
];

/// The state of a run of commands.
pub(super) struct Code {
    /// Whether a `)` with no `(` open ends it (the inside of `$(...)`).
    substitution: bool,
    /// Parentheses open for subshells and function definitions.
    parens: usize,
    /// Open `case` statements, innermost last.
    cases: Vec<Case>,
    /// The word being read, if any.
    pub(super) word: Option<Word>,
    /// Whether the next word is a command's first.
    start: Start,
    /// Set by `<<` (`true` for `<<-`): the next word is a delimiter.
    pub(super) delimiter_next: Option<bool>,
    /// Here-documents whose bodies begin after the next newline.
    heredocs: Vec<HereDoc>,
    /// Where the arguments being read stand, when the command may run them
    /// as code.
    pub(super) evaluator: Option<Place>,
    /// Whether a bash `[[` is open (up to its `]]`, or the end of the
    /// command as dash reads it, but across `&&` and `||`).
    pub(super) test: bool,
}

/// Where the next word falls in a command.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Start {
    /// First word: a reserved word is one.
    Reserved,
    /// After assignments or redirections: a command's name, but reserved
    /// words are plain words here.
    Name,
    /// After `command`, `builtin` or `time`: options, then a command's
    /// name.
    Prefixed,
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

/// A word being read.
pub(super) struct Word {
    pub(super) start: usize,
    /// Only literal characters: no quotes, expansions or placeholders.
    pub(super) plain: bool,
    /// Holds a quote or backslash (a here-document delimiter so quoted
    /// makes its body literal).
    pub(super) quoted: bool,
    /// Holds an expansion or an input placeholder: its text is not known.
    pub(super) expanded: bool,
}

impl Word {
    pub(super) fn at(start: usize) -> Self {
        Self {
            start,
            plain: true,
            quoted: false,
            expanded: false,
        }
    }
}

impl Code {
    pub(super) fn new(substitution: bool) -> Self {
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
    pub(super) fn command_ends(&mut self) {
        self.start = Start::Reserved;
        self.evaluator = None;
    }
}

/// Whether `word` is an assignment (`NAME=...`).
pub(super) fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        name.chars()
            .next()
            .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// `text` without its placeholders (a `/` in `{/}` is no path's).
pub(super) fn without_placeholders(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    for (at, token) in placeholders(text) {
        out.push_str(&text[rest..at]);
        rest = at + token.len();
    }
    out.push_str(&text[rest..]);
    out
}

impl Scanner<'_> {
    /// The commands being read.
    pub(super) fn code(&mut self) -> &mut Code {
        match self.stack.last_mut() {
            Some(Frame::Code(code)) => code,
            _ => unreachable!("called while reading commands"),
        }
    }

    /// Reads `byte` among commands.
    pub(super) fn code_step(&mut self, byte: u8) -> Scan {
        match byte {
            b'\n' => {
                self.end_word();
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
                self.end_word();
                self.pos += 1;
            }
            b'(' if self.array_assignment() => {
                // bash reports a syntax error inside `name=(...)` and goes on
                // with the next line, which may be inside an input.
                self.unclear = Some("a bash array assignment, name=(...)");
                self.end_word();
                self.operator(byte);
            }
            b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>' => {
                self.end_word();
                self.operator(byte);
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

    /// Whether the word being read is `name=` or `name+=` (bash also allows
    /// `name[subscript]=`), which a `(` makes a bash array assignment.
    pub(super) fn array_assignment(&mut self) -> bool {
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
    pub(super) fn operator(&mut self, byte: u8) {
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
    }

    /// Ends the word being read, if any, and takes note of what it was.
    pub(super) fn end_word(&mut self) {
        let pos = self.pos;
        let text = self.text;
        let code = self.code();
        let Some(word) = code.word.take() else {
            return;
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
            return;
        }
        match code.cases.last_mut() {
            Some(case @ Case::Subject) => {
                *case = Case::In;
                return;
            }
            Some(case @ Case::In) => {
                if plain == Some("in") {
                    *case = Case::Pattern(true);
                }
                return;
            }
            Some(Case::Pattern(first)) => {
                if *first && plain == Some("esac") {
                    code.cases.pop();
                    code.start = Start::No;
                } else {
                    *first = false;
                }
                return;
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
            let unquoted = unquote(raw);
            let prefix = PREFIXES.contains(&unquoted.as_str())
                || (start == Start::Prefixed && unquoted.starts_with('-'));
            if prefix && !word.expanded {
                code.start = Start::Prefixed;
            } else if is_assignment(raw) && start != Start::Prefixed {
                code.start = Start::Name;
            } else if word.expanded {
                // Its name is only known when it runs: it may be `eval`,
                // unless it is a path, which no builtin's name is.
                if !without_placeholders(raw).contains('/') {
                    code.evaluator = Some(Place::UnnamedCommand);
                }
            } else if let Some(name) = EVALUATORS.iter().find(|name| **name == unquoted) {
                // Quotes keep a reserved word from being one, not a builtin.
                code.evaluator = Some(Place::Evaluated(name));
            }
        }
    }
}
