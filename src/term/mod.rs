//! Terminal text: what a program's output looks like on a terminal, as
//! lines of plain text with style runs. No egui here; views draw the runs.
//!
//! The contract, bytes in and lines out, one [`Terminal`] per stream:
//! - Escape sequences are parsed by `anstyle-parse` (the VT state machine
//!   of Paul Williams, as `vte` implements it) and never reach the text.
//!   SGR sequences set colours and attributes (see `sgr.rs`); erase in line
//!   (`CSI K`), erase, delete and insert characters (`CSI X`, `P`, `@`) and
//!   horizontal cursor moves (`CSI G`, `C`, `D`) act on the line; every
//!   other sequence (vertical moves, screen erases, modes, OSC titles and
//!   hyperlinks, DCS strings) is dropped. OSC strings are held to 1 KiB.
//! - A line is a row of cells under a cursor, as a terminal keeps it: `\r`
//!   goes back to the start of the line and what is printed next
//!   overwrites (so a progress bar redrawn in place is one line), `\b`
//!   steps back one cell, `\t` moves to the next multiple of 8. One
//!   character is one cell (wide characters are not counted twice).
//! - `\n` (and VT, FF) ends the line. A line that reaches
//!   [`MAX_LINE_CHARS`] ends there, marked [`Line::cut`], and the rest
//!   follows as the next line. Bytes that are not UTF-8 become U+FFFD.
//! - The style carries over from line to line, as on a terminal; it is the
//!   program's to reset.
//! - [`Terminal::take_redraw`] hands out the line under the cursor when it
//!   changed, so a caller can show an unfinished line (a bar being
//!   redrawn) as it stands; [`Terminal::finish`] ends that line at the end
//!   of the stream.
//!
//! The same contract serves the live log (one terminal per stream of a
//! running command) and the full log read back from disk, so both show the
//! same lines.

mod ansi;
mod line;
mod sgr;
mod style;
mod terminal;

pub use ansi::to_ansi;
pub use line::{Line, MAX_LINE_CHARS};
pub use style::{Color, Style, StyleRun, pieces};
pub use terminal::{Ended, Paused, Terminal};

#[cfg(test)]
mod tests;
