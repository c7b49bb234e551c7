//! A styled line written back as SGR escape sequences, for people who ask
//! for colours where plain text is the default (`jobdeck run --log-ansi`).

use std::fmt::Write as _;

use super::style::{Color, Style, StyleRun, pieces};

/// `text` with each styled stretch wrapped in the SGR sequences that give
/// its style and a reset after it. Plain text stays as it is.
#[must_use]
pub fn to_ansi(text: &str, styles: &[StyleRun]) -> String {
    let mut out = String::with_capacity(text.len() + styles.len() * 16);
    for (piece, style) in pieces(text, styles) {
        if style.is_plain() {
            out.push_str(piece);
        } else {
            out.push_str("\x1b[");
            out.push_str(&codes(&style));
            out.push('m');
            out.push_str(piece);
            out.push_str("\x1b[0m");
        }
    }
    out
}

/// The SGR parameters for `style`, `;`-separated.
fn codes(style: &Style) -> String {
    let mut codes: Vec<String> = Vec::new();
    for (on, code) in [
        (style.bold, "1"),
        (style.dim, "2"),
        (style.italic, "3"),
        (style.underline, "4"),
        (style.inverse, "7"),
        (style.strikethrough, "9"),
    ] {
        if on {
            codes.push(code.to_owned());
        }
    }
    if let Some(fg) = style.fg {
        codes.push(colour(fg, 30, 90, 38));
    }
    if let Some(bg) = style.bg {
        codes.push(colour(bg, 40, 100, 48));
    }
    codes.join(";")
}

/// The SGR code of a colour: `base + n` for the 8 colours, `bright + n`
/// for their bright forms, `extended;5;n` or `extended;2;r;g;b` otherwise.
fn colour(colour: Color, base: u8, bright: u8, extended: u8) -> String {
    let mut code = String::new();
    // Writing to a String cannot fail.
    let _ = match colour {
        Color::Palette(n @ 0..=7) => write!(code, "{}", base + n),
        Color::Palette(n @ 8..=15) => write!(code, "{}", bright + n - 8),
        Color::Palette(n) => write!(code, "{extended};5;{n}"),
        Color::Rgb(r, g, b) => write!(code, "{extended};2;{r};{g};{b}"),
    };
    code
}
