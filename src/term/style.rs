//! How a piece of terminal text looks: colours and attributes, as SGR
//! escape sequences set them.

use std::ops::Range;

/// A colour as a program asked for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Color {
    /// One of the 256 palette colours: 0–7 the standard ANSI colours, 8–15
    /// their bright forms, 16–231 a 6×6×6 cube, 232–255 greys. A view
    /// chooses 0–15 to suit its theme, as terminals do.
    Palette(u8),
    /// A 24-bit colour.
    Rgb(u8, u8, u8),
}

/// Colours and attributes of a character; the default is plain text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[allow(clippy::struct_excessive_bools)] // one flag per SGR attribute
pub struct Style {
    /// Foreground colour; `None` is the view's text colour.
    pub fg: Option<Color>,
    /// Background colour; `None` is no background.
    pub bg: Option<Color>,
    /// Bold (SGR 1).
    pub bold: bool,
    /// Dim, or faint (SGR 2).
    pub dim: bool,
    /// Italic (SGR 3).
    pub italic: bool,
    /// Underlined (SGR 4, any kind).
    pub underline: bool,
    /// Foreground and background swapped (SGR 7).
    pub inverse: bool,
    /// Crossed out (SGR 9).
    pub strikethrough: bool,
}

impl Style {
    /// Whether this is plain text.
    #[must_use]
    pub fn is_plain(&self) -> bool {
        *self == Self::default()
    }
}

/// A stretch of a line's text that is not plain: bytes `start..end` of the
/// text, in `style`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StyleRun {
    /// First byte of the stretch in the line's text.
    pub start: u32,
    /// One past its last byte.
    pub end: u32,
    /// How it looks.
    pub style: Style,
}

impl StyleRun {
    /// The bytes of the text it covers.
    #[must_use]
    pub fn range(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// `text` with its styles, split into pieces that each have one style
/// (plain pieces included), in order; for views that draw a line piece by
/// piece. Runs outside the text or not on character boundaries are
/// skipped, so a bad run never panics a view.
pub fn pieces<'a>(text: &'a str, runs: &'a [StyleRun]) -> impl Iterator<Item = (&'a str, Style)> {
    let mut at = 0;
    let mut runs = runs
        .iter()
        .filter(|run| {
            run.start < run.end
                && text.is_char_boundary(run.range().start)
                && text.is_char_boundary(run.range().end)
                && run.range().end <= text.len()
        })
        .peekable();
    std::iter::from_fn(move || {
        while let Some(run) = runs.peek() {
            let range = run.range();
            if range.start < at {
                runs.next(); // overlaps what was already handed out
                continue;
            }
            if range.start > at {
                let plain = &text[at..range.start];
                at = range.start;
                return Some((plain, Style::default()));
            }
            let run = runs.next()?;
            at = range.end;
            return Some((&text[range], run.style));
        }
        (at < text.len()).then(|| {
            let rest = &text[at..];
            at = text.len();
            (rest, Style::default())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_cover_the_text_once_in_order() {
        let red = Style {
            fg: Some(Color::Palette(1)),
            ..Style::default()
        };
        let runs = [
            StyleRun {
                start: 2,
                end: 5,
                style: red,
            },
            // Overlapping and out-of-range runs are ignored.
            StyleRun {
                start: 3,
                end: 4,
                style: red,
            },
            StyleRun {
                start: 7,
                end: 99,
                style: red,
            },
        ];
        let got: Vec<(&str, bool)> = pieces("a red ok", &runs)
            .map(|(text, style)| (text, style.is_plain()))
            .collect();
        assert_eq!(got, [("a ", true), ("red", false), (" ok", true)]);
        assert_eq!(pieces("", &[]).count(), 0);
    }
}
