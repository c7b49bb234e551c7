//! A terminal that writes one line at a time: bytes in, finished lines and
//! the line under the cursor out. See the module docs of [`crate::term`].

use anstyle_parse::{Params, Parser, Perform};

use super::line::{Line, LineBuf};
use super::sgr;
use super::style::Style;

/// The terminal of one output stream; see [`crate::term`].
#[derive(Clone, Debug, Default)]
pub struct Terminal {
    parser: Parser,
    screen: Screen,
}

/// A line that just ended, handed to [`Terminal::feed`]'s callback; turned
/// into a [`Line`] only when asked, so a reader that only counts lines
/// builds no text. On a terminal [`reporting_returns`](Terminal::reporting_returns),
/// it may also be a line as it stood when a `\r` took the cursor back
/// ([`is_return`](Self::is_return)).
pub struct Ended<'a> {
    line: &'a LineBuf,
    cut: bool,
    returned: bool,
}

impl Ended<'_> {
    /// The line's text and styles. A return's line counts as
    /// [`redrawn`](Line::redrawn).
    #[must_use]
    pub fn to_line(&self) -> Line {
        let mut line = self.line.to_line(self.cut);
        line.redrawn |= self.returned;
        line
    }

    /// Whether this is not the end of the line but the line as it stood
    /// when a lone `\r` (not one of `\r\n`) took the cursor back to redraw
    /// it: a whole display, such as one frame of a progress bar. The line
    /// goes on; it ends later as usual.
    #[must_use]
    pub fn is_return(&self) -> bool {
        self.returned
    }

    /// Writes the line's text (only) into `out`, which is cleared first.
    pub fn text_into(&self, out: &mut String) {
        self.line.text_into(out);
    }

    /// Whether the line was cut at [`MAX_LINE_CHARS`](super::MAX_LINE_CHARS).
    #[must_use]
    pub fn is_cut(&self) -> bool {
        self.cut
    }
}

/// A terminal at rest, to carry on from later; see [`Terminal::pause`].
#[derive(Clone, Debug)]
pub struct Paused {
    line: LineBuf,
    style: Style,
}

impl Paused {
    /// Bytes it holds, on the heap and off.
    #[must_use]
    pub fn bytes(&self) -> usize {
        std::mem::size_of::<Self>() + self.line.heap_bytes()
    }
}

#[derive(Clone, Debug)]
struct Screen {
    line: LineBuf,
    style: Style,
    /// The parser is known to be in its ground state (not inside an escape
    /// sequence or a UTF-8 character), so a printable ASCII byte may be
    /// printed without it.
    ground: bool,
    /// Returns are reported (see [`Terminal::reporting_returns`]).
    report_returns: bool,
    /// A lone `\r` may have come: reported unless a `\n` follows.
    pending_return: bool,
}

impl Default for Screen {
    fn default() -> Self {
        Self {
            line: LineBuf::default(),
            style: Style::default(),
            // A new parser starts in its ground state.
            ground: true,
            report_returns: false,
            pending_return: false,
        }
    }
}

impl Terminal {
    /// A terminal with an empty line and plain style.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A terminal that also hands [`feed`](Self::feed)'s callback the line
    /// as it stood at every lone `\r` ([`Ended::is_return`]), before the
    /// program draws over it: progress is read from whole frames of a
    /// display redrawn in place, not from a frame half drawn over the last
    /// one. A `\r` that ends what was fed counts as lone (the next bytes
    /// may be seconds away); a `\r\n` split between two feeds is the one
    /// case reported wrongly.
    #[must_use]
    pub fn reporting_returns() -> Self {
        let mut terminal = Self::default();
        terminal.screen.report_returns = true;
        terminal
    }

    /// Feeds `bytes`, calling `ended` with each line that ends in them.
    pub fn feed(&mut self, bytes: &[u8], mut ended: impl FnMut(Ended<'_>)) {
        let mut performer = Performer {
            screen: &mut self.screen,
            ended: &mut ended,
        };
        for &byte in bytes {
            if std::mem::take(&mut performer.screen.pending_return) && byte != b'\n' {
                performer.report_return();
            }
            let ground = performer.screen.ground;
            if ground && (0x20..0x7f).contains(&byte) {
                performer.print(char::from(byte));
            } else if ground && matches!(byte, 0xc0 | 0xc1 | 0xf5..=0xff) {
                // Never part of UTF-8; the parser would drop them unseen.
                performer.print(char::REPLACEMENT_CHARACTER);
            } else if byte < 0x20 && byte != 0x1b {
                // A C0 control is executed where it stands: in the ground
                // state it stays there; CAN and SUB end any sequence.
                self.parser.advance(&mut performer, byte);
                performer.screen.ground |= ground || byte == 0x18 || byte == 0x1a;
            } else {
                performer.screen.ground = false;
                self.parser.advance(&mut performer, byte);
            }
        }
        if std::mem::take(&mut performer.screen.pending_return) {
            performer.report_return();
        }
    }

    /// The line under the cursor, if it changed since the last call (or
    /// since the last line ended). An empty line means the line that was
    /// shown is gone (erased, or ended as something not shown).
    pub fn take_redraw(&mut self) -> Option<Line> {
        self.screen
            .line
            .take_changed()
            .then(|| self.screen.line.to_line(false))
    }

    /// The line under the cursor, unless it is empty.
    #[must_use]
    pub fn unfinished(&self) -> Option<Line> {
        (!self.screen.line.is_empty()).then(|| self.screen.line.to_line(false))
    }

    /// What it takes to carry on from here later, if the parser is at
    /// rest (not inside an escape sequence or a character): the line under
    /// the cursor and the style. A parser at rest holds nothing else.
    #[must_use]
    pub fn pause(&self) -> Option<Paused> {
        self.screen.ground.then(|| Paused {
            line: self.screen.line.clone(),
            style: self.screen.style,
        })
    }

    /// A terminal carrying on from where [`pause`](Self::pause) was.
    #[must_use]
    pub fn resume(paused: &Paused) -> Self {
        Self {
            parser: Parser::default(),
            screen: Screen {
                line: paused.line.clone(),
                style: paused.style,
                ground: true,
                report_returns: false,
                pending_return: false,
            },
        }
    }

    /// Ends the stream: the line under the cursor, unless empty, ends.
    pub fn finish(&mut self, mut ended: impl FnMut(Ended<'_>)) {
        if !self.screen.line.is_empty() {
            ended(Ended {
                line: &self.screen.line,
                cut: false,
                returned: false,
            });
        }
        self.screen.line.clear();
    }

    /// Bytes the terminal holds on the heap (its line's cells).
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        self.screen.line.heap_bytes()
    }
}

struct Performer<'a, F> {
    screen: &'a mut Screen,
    ended: &'a mut F,
}

impl<F: FnMut(Ended<'_>)> Performer<'_, F> {
    fn end_line(&mut self, cut: bool) {
        (self.ended)(Ended {
            line: &self.screen.line,
            cut,
            returned: false,
        });
        self.screen.line.clear();
    }

    /// Hands on the line as it stood at a lone `\r`.
    fn report_return(&mut self) {
        (self.ended)(Ended {
            line: &self.screen.line,
            cut: false,
            returned: true,
        });
    }
}

/// The first parameter of a CSI sequence, or `default` when it is absent
/// or zero (as the cursor sequences read it).
fn count(params: &Params, default: u16) -> usize {
    let value = params
        .iter()
        .next()
        .and_then(|group| group.first().copied())
        .unwrap_or(0);
    usize::from(if value == 0 { default } else { value })
}

impl<F: FnMut(Ended<'_>)> Perform for Performer<'_, F> {
    fn print(&mut self, ch: char) {
        if self.screen.line.is_full() {
            self.end_line(true);
        }
        self.screen.line.print(ch, self.screen.style);
        self.screen.ground = true;
    }

    fn execute(&mut self, byte: u8) {
        match byte {
            // LF, VT and FF all move down a line.
            0x0a..=0x0c => self.end_line(false),
            b'\r' => {
                let screen = &mut *self.screen;
                screen.pending_return |= screen.report_returns && !screen.line.is_empty();
                screen.line.carriage_return();
            }
            0x08 => self.screen.line.back(1),
            b'\t' => self.screen.line.tab(),
            // C1 controls: in a UTF-8 stream, stray continuation bytes.
            0x80..=0x9f => self.print(char::REPLACEMENT_CHARACTER),
            _ => {} // bell, shift in/out and the like: nothing to show
        }
    }

    fn csi_dispatch(&mut self, params: &Params, intermediates: &[u8], ignore: bool, action: u8) {
        self.screen.ground = true;
        // Private sequences (`CSI ? 25 l`, hide the cursor) and vertical
        // moves change nothing a log shows.
        if ignore || !intermediates.is_empty() {
            return;
        }
        let line = &mut self.screen.line;
        match action {
            b'm' => sgr::apply(&mut self.screen.style, params),
            b'K' => line.erase(u16::try_from(count(params, 0)).unwrap_or(u16::MAX)),
            b'G' | b'`' => line.move_to(count(params, 1) - 1),
            b'C' | b'a' => line.forward(count(params, 1)),
            b'D' => line.back(count(params, 1)),
            b'X' => line.erase_chars(count(params, 1)),
            b'P' => line.delete_chars(count(params, 1)),
            b'@' => line.insert_blanks(count(params, 1)),
            _ => {}
        }
    }

    fn esc_dispatch(&mut self, _intermediates: &[u8], _ignore: bool, _byte: u8) {
        // Charset choices, cursor saves, keypad modes: nothing to show.
        self.screen.ground = true;
    }
}
