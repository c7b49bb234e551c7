//! The line a terminal is writing: a row of cells under a cursor.

use super::style::{Style, StyleRun};

/// The most characters a line holds; one more starts a new line and the
/// full one ends, marked as cut. Bounds what a program printing megabytes
/// without a newline makes jobdeck hold: 16 bytes per character, 1 MiB.
pub const MAX_LINE_CHARS: usize = 65_536;

/// One line of terminal text: its characters without escape sequences and
/// the stretches of it that are not plain.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Line {
    /// The text, one character per cell the program wrote.
    pub text: String,
    /// The stretches that are not plain, in order, not overlapping.
    pub styles: Vec<StyleRun>,
    /// The line went on past [`MAX_LINE_CHARS`]: this is its first part
    /// and the rest follows as the next line.
    pub cut: bool,
    /// Something was written after a `\r`, or over text already on the
    /// line (after a `\b` or a cursor move back): a display redrawn in
    /// place, such as a progress bar, rather than text written once.
    /// `\r\n` alone does not count.
    pub redrawn: bool,
    /// The cursor stands inside the text, past its start and before its
    /// end: a redraw is under way, and what lies right of the cursor is
    /// what was drawn before. (At the start, after a `\r`, the line is
    /// whole: many programs return the cursor as they finish a redraw.)
    /// Only an unfinished line can say so.
    pub cursor_inside: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cell {
    ch: char,
    style: Style,
}

const BLANK: Cell = Cell {
    ch: ' ',
    style: Style {
        fg: None,
        bg: None,
        bold: false,
        dim: false,
        italic: false,
        underline: false,
        inverse: false,
        strikethrough: false,
    },
};

/// The cells of the line being written and the cursor's column. The
/// cursor may stand past the last cell (after a tab or a cursor move);
/// printing there fills the gap with blanks, as a terminal shows it.
#[derive(Clone, Debug, Default)]
pub(crate) struct LineBuf {
    cells: Vec<Cell>,
    cursor: usize,
    /// The cells changed since [`take_changed`](Self::take_changed).
    changed: bool,
    /// A character was printed over one already on the line, or after a
    /// `\r`.
    overwritten: bool,
    /// A `\r` came since the line began.
    returned: bool,
}

impl LineBuf {
    /// Whether the line holds no character.
    pub(crate) fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// Whether printing now would go past [`MAX_LINE_CHARS`].
    pub(crate) fn is_full(&self) -> bool {
        self.cursor >= MAX_LINE_CHARS
    }

    /// Writes `ch` at the cursor and moves the cursor on. The caller ends
    /// the line first when it [`is_full`](Self::is_full).
    pub(crate) fn print(&mut self, ch: char, style: Style) {
        let cell = Cell { ch, style };
        match self.cursor.cmp(&self.cells.len()) {
            std::cmp::Ordering::Equal => self.cells.push(cell),
            std::cmp::Ordering::Less => {
                self.cells[self.cursor] = cell;
                self.overwritten = true;
            }
            std::cmp::Ordering::Greater => {
                self.cells.resize(self.cursor, BLANK);
                self.cells.push(cell);
            }
        }
        self.cursor += 1;
        self.changed = true;
        self.overwritten |= self.returned;
    }

    /// `\r`: back to the start of the line.
    pub(crate) fn carriage_return(&mut self) {
        self.cursor = 0;
        self.returned = true;
    }

    /// `\b` and cursor back (`CSI n D`).
    pub(crate) fn back(&mut self, columns: usize) {
        self.cursor = self.cursor.saturating_sub(columns);
    }

    /// Cursor forward (`CSI n C`).
    pub(crate) fn forward(&mut self, columns: usize) {
        self.move_to(self.cursor.saturating_add(columns));
    }

    /// `\t`: to the next multiple of 8.
    pub(crate) fn tab(&mut self) {
        self.move_to((self.cursor / 8 + 1) * 8);
    }

    /// To column `column` (0-based), as `CSI n G` asks.
    pub(crate) fn move_to(&mut self, column: usize) {
        self.cursor = column.min(MAX_LINE_CHARS);
    }

    /// Erase in line (`CSI n K`): 0 from the cursor to the end, 1 from the
    /// start to the cursor, 2 the whole line. The cursor stays.
    pub(crate) fn erase(&mut self, mode: u16) {
        let before = self.cells.len();
        match mode {
            0 => self.cells.truncate(self.cursor),
            1 => {
                let end = (self.cursor + 1).min(self.cells.len());
                self.cells[..end].fill(BLANK);
            }
            2 => self.cells.clear(),
            _ => return,
        }
        self.changed |= before > 0;
    }

    /// Erase characters (`CSI n X`): `count` cells from the cursor become
    /// blank; the cursor stays.
    pub(crate) fn erase_chars(&mut self, count: usize) {
        let start = self.cursor.min(self.cells.len());
        let end = self.cursor.saturating_add(count).min(self.cells.len());
        self.cells[start..end].fill(BLANK);
        self.changed |= start < end;
    }

    /// Delete characters (`CSI n P`): the rest of the line moves left.
    pub(crate) fn delete_chars(&mut self, count: usize) {
        let start = self.cursor.min(self.cells.len());
        let end = self.cursor.saturating_add(count).min(self.cells.len());
        self.cells.drain(start..end);
        self.changed |= start < end;
    }

    /// Insert characters (`CSI n @`): `count` blanks at the cursor; the
    /// rest moves right (and what passes the cap is lost).
    pub(crate) fn insert_blanks(&mut self, count: usize) {
        if self.cursor >= self.cells.len() {
            return;
        }
        let count = count.min(MAX_LINE_CHARS - self.cursor);
        self.cells
            .splice(self.cursor..self.cursor, std::iter::repeat_n(BLANK, count));
        self.cells.truncate(MAX_LINE_CHARS);
        self.changed = true;
    }

    /// Whether the cells changed since the last call; clears the mark.
    pub(crate) fn take_changed(&mut self) -> bool {
        std::mem::take(&mut self.changed)
    }

    /// Starts a new, empty line.
    pub(crate) fn clear(&mut self) {
        self.cells.clear();
        self.cursor = 0;
        self.changed = false;
        self.overwritten = false;
        self.returned = false;
    }

    /// The line as text and style runs.
    pub(crate) fn to_line(&self, cut: bool) -> Line {
        let mut text = String::with_capacity(self.cells.len());
        let mut styles: Vec<StyleRun> = Vec::new();
        let mut open: Option<(usize, Style)> = None;
        for cell in &self.cells {
            let at = text.len();
            if open.is_some_and(|(_, style)| style != cell.style) {
                push_run(&mut styles, open.take(), at);
            }
            if open.is_none() && !cell.style.is_plain() {
                open = Some((at, cell.style));
            }
            text.push(cell.ch);
        }
        push_run(&mut styles, open, text.len());
        Line {
            text,
            styles,
            cut,
            redrawn: self.overwritten,
            cursor_inside: self.cursor > 0 && self.cursor < self.cells.len(),
        }
    }

    /// The line's text (only) into `out`, which is cleared first.
    pub(crate) fn text_into(&self, out: &mut String) {
        out.clear();
        out.extend(self.cells.iter().map(|cell| cell.ch));
    }

    /// Bytes the line holds on the heap.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.cells.capacity() * std::mem::size_of::<Cell>()
    }
}

fn push_run(styles: &mut Vec<StyleRun>, open: Option<(usize, Style)>, end: usize) {
    if let Some((start, style)) = open {
        // Lines hold at most MAX_LINE_CHARS characters of at most 4 bytes.
        let offset = |at: usize| u32::try_from(at).unwrap_or(u32::MAX);
        styles.push(StyleRun {
            start: offset(start),
            end: offset(end),
            style,
        });
    }
}
