//! SGR ("select graphic rendition", `ESC [ … m`): the escape sequences that
//! set colours and attributes.
//!
//! Understood: 0 reset; 1 bold, 2 dim, 3 italic, 4 underline (`4:0` turns
//! it off, `4:n` is any other kind), 7 inverse, 9 crossed out, 21 double
//! underline, and their offs (22 23 24 27 29); 30–37, 90–97 and 39 for the
//! foreground, 40–47, 100–107 and 49 for the background; 38 and 48 with
//! `;5;n` or `;2;r;g;b` (and the colon forms `:5:n`, `:2:r:g:b`,
//! `:2::r:g:b`) for 256 and 24-bit colours. Everything else (blink, hidden,
//! fonts, underline colours) is skipped, with its arguments.

use anstyle_parse::Params;

use super::style::{Color, Style};

/// Applies the SGR sequence `params` to `style`.
pub(crate) fn apply(style: &mut Style, params: &Params) {
    let mut groups = params.iter();
    while let Some(group) = groups.next() {
        let code = group.first().copied().unwrap_or(0);
        match code {
            0 => *style = Style::default(),
            1 => style.bold = true,
            2 => style.dim = true,
            3 => style.italic = true,
            4 => style.underline = group.get(1).is_none_or(|&kind| kind != 0),
            7 => style.inverse = true,
            9 => style.strikethrough = true,
            21 => style.underline = true,
            22 => {
                style.bold = false;
                style.dim = false;
            }
            23 => style.italic = false,
            24 => style.underline = false,
            27 => style.inverse = false,
            29 => style.strikethrough = false,
            30..=37 => style.fg = Some(palette(code - 30)),
            39 => style.fg = None,
            40..=47 => style.bg = Some(palette(code - 40)),
            49 => style.bg = None,
            90..=97 => style.fg = Some(palette(code - 90 + 8)),
            100..=107 => style.bg = Some(palette(code - 100 + 8)),
            38 | 48 | 58 => {
                let colour = if group.len() > 1 {
                    extended_colon(&group[1..])
                } else {
                    extended_semicolon(&mut groups)
                };
                match code {
                    38 => style.fg = colour.or(style.fg),
                    48 => style.bg = colour.or(style.bg),
                    _ => {} // an underline colour: not drawn
                }
            }
            _ => {}
        }
    }
}

/// A palette colour from a code known to be below 16.
fn palette(index: u16) -> Color {
    Color::Palette(u8::try_from(index).unwrap_or(0))
}

/// `38:5:n`, `38:2:r:g:b` or `38:2:space:r:g:b`: the colour in one group.
fn extended_colon(args: &[u16]) -> Option<Color> {
    match args {
        [5, index, ..] => Some(Color::Palette(byte(*index)?)),
        [2, _, r, g, b] | [2, r, g, b] => Some(Color::Rgb(byte(*r)?, byte(*g)?, byte(*b)?)),
        _ => None,
    }
}

/// `38;5;n` or `38;2;r;g;b`: the colour in the groups that follow, which
/// are taken (even when malformed, so they are not read as codes).
fn extended_semicolon<'a>(groups: &mut impl Iterator<Item = &'a [u16]>) -> Option<Color> {
    let mut next = || groups.next().and_then(|group| group.first().copied());
    match next()? {
        5 => Some(Color::Palette(byte(next()?)?)),
        2 => {
            let (r, g, b) = (next()?, next()?, next()?);
            Some(Color::Rgb(byte(r)?, byte(g)?, byte(b)?))
        }
        _ => None,
    }
}

fn byte(value: u16) -> Option<u8> {
    u8::try_from(value).ok()
}
