//! How a log line looks: its styles as egui text formats, search matches
//! highlighted, and the terminal palette for the window's theme.

use std::ops::Range;

use egui::text::{LayoutJob, TextFormat};
use egui::{Color32, FontId, Stroke, Visuals};

use crate::engine::LogLine;
use crate::term::{Color, Style, pieces};

/// The 16 ANSI colours on a dark background: black is lifted so it shows,
/// white is not quite white.
const DARK: [[u8; 3]; 16] = [
    [0x5a, 0x5a, 0x5a],
    [0xe6, 0x5c, 0x58],
    [0x6c, 0xc0, 0x6c],
    [0xd9, 0xbc, 0x52],
    [0x62, 0x9a, 0xe8],
    [0xc7, 0x74, 0xd6],
    [0x52, 0xbd, 0xc8],
    [0xcc, 0xcc, 0xcc],
    [0x80, 0x80, 0x80],
    [0xff, 0x82, 0x7e],
    [0x92, 0xe6, 0x92],
    [0xf5, 0xdf, 0x74],
    [0x8d, 0xb9, 0xff],
    [0xe8, 0xa2, 0xf3],
    [0x86, 0xe4, 0xee],
    [0xf4, 0xf4, 0xf4],
];

/// The 16 ANSI colours on a light background: yellows and whites darkened
/// so they show.
const LIGHT: [[u8; 3]; 16] = [
    [0x00, 0x00, 0x00],
    [0xc4, 0x26, 0x1d],
    [0x1f, 0x86, 0x1f],
    [0x94, 0x70, 0x00],
    [0x1f, 0x5f, 0xd1],
    [0xa2, 0x2f, 0xb3],
    [0x0e, 0x86, 0x94],
    [0x6e, 0x6e, 0x6e],
    [0x55, 0x55, 0x55],
    [0xe0, 0x44, 0x3a],
    [0x2a, 0xa0, 0x2a],
    [0xb3, 0x8a, 0x00],
    [0x3d, 0x7b, 0xf0],
    [0xc0, 0x4e, 0xd3],
    [0x14, 0xa0, 0xb2],
    [0x8a, 0x8a, 0x8a],
];

/// The six levels of the 256-colour cube.
const CUBE: [u8; 6] = [0, 95, 135, 175, 215, 255];

/// A palette or 24-bit colour as drawn with `visuals`.
pub(crate) fn colour(colour: Color, visuals: &Visuals) -> Color32 {
    match colour {
        Color::Rgb(r, g, b) => Color32::from_rgb(r, g, b),
        Color::Palette(index @ 0..=15) => {
            let [r, g, b] = if visuals.dark_mode { DARK } else { LIGHT }[usize::from(index)];
            Color32::from_rgb(r, g, b)
        }
        Color::Palette(index @ 16..=231) => {
            let cube = index - 16;
            let level = |n: u8| CUBE[usize::from(n)];
            Color32::from_rgb(level(cube / 36), level(cube / 6 % 6), level(cube % 6))
        }
        Color::Palette(grey) => {
            let level = 8 + (grey - 232) * 10;
            Color32::from_gray(level)
        }
    }
}

/// Colours of a search match: every match, and the one stepped to.
pub(crate) fn match_colours(visuals: &Visuals) -> (Color32, Color32) {
    if visuals.dark_mode {
        (
            Color32::from_rgb(0x6b, 0x5a, 0x12),
            Color32::from_rgb(0xc8, 0x6e, 0x00),
        )
    } else {
        (
            Color32::from_rgb(0xff, 0xe5, 0x7a),
            Color32::from_rgb(0xff, 0x9e, 0x2c),
        )
    }
}

/// The text format of `style` in `font`.
fn format(style: Style, font: &FontId, visuals: &Visuals) -> TextFormat {
    let text = visuals.text_color();
    // Bold ANSI colours show bright, as on most terminals (egui's default
    // font has no bold face); bold default text is the strong text colour.
    let fg = match style.fg {
        Some(Color::Palette(index @ 0..=7)) if style.bold => {
            colour(Color::Palette(index + 8), visuals)
        }
        Some(fg) => colour(fg, visuals),
        None if style.bold => visuals.strong_text_color(),
        None => text,
    };
    let bg = style.bg.map(|bg| colour(bg, visuals));
    let (mut fg, bg) = if style.inverse {
        (bg.unwrap_or(visuals.extreme_bg_color), Some(fg))
    } else {
        (fg, bg)
    };
    if style.dim {
        fg = fg.gamma_multiply(0.6);
    }
    let line = |on: bool| {
        if on {
            Stroke::new(1.0, fg)
        } else {
            Stroke::NONE
        }
    };
    TextFormat {
        font_id: font.clone(),
        color: fg,
        background: bg.unwrap_or(Color32::TRANSPARENT),
        italics: style.italic,
        underline: line(style.underline),
        strikethrough: line(style.strikethrough),
        ..TextFormat::default()
    }
}

/// A search match in a line: its bytes, and whether it is the one stepped to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Highlight {
    pub(crate) range: Range<usize>,
    pub(crate) current: bool,
}

/// `line` as a one-row layout in `font`: its styles, with `highlights`
/// painted behind the matches. Control characters a job may have logged
/// show as U+FFFD, so no escape byte reaches the screen.
pub(crate) fn line_job(
    line: &LogLine,
    highlights: &[Highlight],
    font: &FontId,
    visuals: &Visuals,
) -> LayoutJob {
    let mut job = LayoutJob::default();
    let (every, current) = match_colours(visuals);
    let mut at = 0;
    for (piece, style) in pieces(&line.text, &line.styles) {
        let base = format(style, font, visuals);
        let start = at;
        at += piece.len();
        // Split the piece where matches begin and end.
        let mut cut = start;
        for highlight in highlights {
            let from = highlight.range.start.clamp(start, at);
            let to = highlight.range.end.clamp(start, at);
            if from >= to {
                continue;
            }
            if from > cut {
                append(&mut job, &line.text[cut..from], base.clone());
            }
            let mut marked = base.clone();
            marked.background = if highlight.current { current } else { every };
            append(&mut job, &line.text[from..to], marked);
            cut = to;
        }
        if cut < at {
            append(&mut job, &line.text[cut..at], base);
        }
    }
    job.wrap.max_rows = 1;
    job.break_on_newline = false;
    job
}

fn append(job: &mut LayoutJob, text: &str, format: TextFormat) {
    if text.chars().any(is_control) {
        let clean: String = text
            .chars()
            .map(|ch| {
                if is_control(ch) {
                    char::REPLACEMENT_CHARACTER
                } else {
                    ch
                }
            })
            .collect();
        job.append(&clean, 0.0, format);
    } else {
        job.append(text, 0.0, format);
    }
}

fn is_control(ch: char) -> bool {
    ch.is_control() && ch != '\t'
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::term::StyleRun;

    fn line(text: &str, styles: Vec<StyleRun>) -> LogLine {
        LogLine {
            text: text.into(),
            styles,
            ..LogLine::default()
        }
    }

    #[test]
    fn styles_become_formats_and_matches_split_them() {
        let visuals = Visuals::dark();
        let font = FontId::monospace(12.0);
        let red = Style {
            fg: Some(Color::Palette(1)),
            ..Style::default()
        };
        let styled = line(
            "red and plain",
            vec![StyleRun {
                start: 0,
                end: 3,
                style: red,
            }],
        );
        let highlights = [Highlight {
            range: 1..6,
            current: true,
        }];
        let job = line_job(&styled, &highlights, &font, &visuals);
        assert_eq!(job.text, "red and plain");
        let pieces: Vec<(&str, Color32, Color32)> = job
            .sections
            .iter()
            .map(|s| {
                let range = s.byte_range.start.0..s.byte_range.end.0;
                (&job.text[range], s.format.color, s.format.background)
            })
            .collect();
        let red = colour(Color::Palette(1), &visuals);
        let text = visuals.text_color();
        let (_, current) = match_colours(&visuals);
        assert_eq!(
            pieces,
            [
                ("r", red, Color32::TRANSPARENT),
                ("ed", red, current),
                (" an", text, current),
                ("d plain", text, Color32::TRANSPARENT),
            ]
        );
    }

    #[test]
    fn control_characters_never_reach_the_screen() {
        let job = line_job(
            &line("a\x1b[31mb", Vec::new()),
            &[],
            &FontId::monospace(12.0),
            &Visuals::dark(),
        );
        assert_eq!(job.text, "a\u{fffd}[31mb");
    }

    #[test]
    fn the_palette_has_every_colour() {
        let visuals = Visuals::light();
        assert_eq!(
            colour(Color::Palette(16), &visuals),
            Color32::from_rgb(0, 0, 0)
        );
        assert_eq!(
            colour(Color::Palette(208), &visuals),
            Color32::from_rgb(255, 135, 0)
        );
        assert_eq!(
            colour(Color::Palette(255), &visuals),
            Color32::from_gray(238)
        );
        assert_eq!(
            colour(Color::Rgb(1, 2, 3), &visuals),
            Color32::from_rgb(1, 2, 3)
        );
    }
}
