//! The log's lines in a scroll area: only the rows on screen are read and
//! laid out, so a million lines scroll as smoothly as ten.

use std::ops::Range;

use egui::{Align2, Color32, FontId, Rect, ScrollArea, Sense, TextStyle, Ui, vec2};

use super::LogView;
use super::paint::line_job;
use super::source::Source;
use crate::engine::{LogLine, Stream};

/// What the last frame's scroll area measured, to scroll to an exact
/// place in the next one.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Geometry {
    /// Its largest scroll offset.
    max_offset: f32,
    /// The height of its view.
    view_height: f32,
    /// The offset it ended at.
    offset: f32,
}

/// The width of the stripe that marks a stderr line.
const STDERR_MARK_WIDTH: f32 = 3.0;

/// Draws the rows of `source`; scrolls as `view` asks (following the end,
/// or to a line), and notices when the person scrolls away from the end or
/// back to it. Returns the numbers of the finished lines on screen.
pub(crate) fn rows_ui(ui: &mut Ui, view: &mut LogView, source: &mut Source<'_>) -> Range<u64> {
    let font = TextStyle::Monospace.resolve(ui.style());
    let row_height = ui.text_style_height(&TextStyle::Monospace);
    let pitch = row_height + ui.spacing().item_spacing.y;
    let first = source.first();
    let end = source.end();
    let finished = usize::try_from(end - first).unwrap_or(usize::MAX);
    let unfinished = source.unfinished();
    let total = finished + unfinished.len();

    let mut area = ScrollArea::both()
        .id_salt(("job log", view.job))
        .auto_shrink(false);
    // Offsets are kept within last frame's bounds: egui springs an offset
    // past them back, as if the person had pulled past the end.
    let mut requested = None;
    if let Some(line) = view.scroll_to.take() {
        let row = line.saturating_sub(first) as f32;
        let (view_height, max_offset) = view
            .geometry
            .map_or((0.0, f32::MAX), |g| (g.view_height, g.max_offset));
        let offset = (row * pitch - (view_height - pitch) / 2.0).clamp(0.0, max_offset);
        area = area.vertical_scroll_offset(offset);
    } else if view.follow {
        // egui keeps a scroll area that stands at its end there as its
        // content grows; a new one starts there.
        area = area.stick_to_bottom(true);
        if let Some(geometry) = view.geometry {
            area = area.vertical_scroll_offset(geometry.max_offset);
            requested = Some(geometry.max_offset);
        }
    }

    let gutter = gutter_width(ui, &font, end);
    let mut shown = 0..0;
    let output = area.show_rows(ui, row_height, total, |ui, rows| {
        shown = first + rows.start.min(finished) as u64..first + rows.end.min(finished) as u64;
        for row in rows {
            let (number, line) = if row < finished {
                let number = first + row as u64;
                match source.line(number) {
                    Some(line) => (Some(number), line),
                    None => (Some(number), LogLine::default()),
                }
            } else {
                (None, unfinished[row - finished].clone())
            };
            row_ui(ui, view, number, &line, &font, gutter, row_height);
        }
    });

    let max_offset = (output.content_size.y - output.inner_rect.height()).max(0.0);
    let offset = output.state.clamped_offset().y;
    let moved_down = view.geometry.is_some_and(|g| offset > g.offset + 0.5);
    if let Some(requested) = requested
        && offset < requested - 0.5
    {
        // Something other than following moved it up: the person did.
        view.follow = false;
    } else if !view.follow && moved_down && offset >= max_offset - 0.5 {
        view.follow = true;
    }
    if view.follow && requested.is_none_or(|requested| offset > requested + 0.5) {
        // The end moved after the rows were drawn: draw them there.
        ui.ctx().request_repaint();
    }
    view.geometry = Some(Geometry {
        max_offset,
        view_height: output.inner_rect.height(),
        offset,
    });
    shown
}

/// Room for the largest line number and the stderr mark.
fn gutter_width(ui: &Ui, font: &FontId, end: u64) -> f32 {
    let digits = end.max(1).ilog10() + 1;
    let digit = ui.fonts_mut(|fonts| fonts.glyph_width(font, '0'));
    digit * digits as f32 + STDERR_MARK_WIDTH + 10.0
}

/// One row: the gutter (line number, stderr mark; click to select) and
/// the line.
fn row_ui(
    ui: &mut Ui,
    view: &mut LogView,
    number: Option<u64>,
    line: &LogLine,
    font: &FontId,
    gutter: f32,
    row_height: f32,
) {
    ui.horizontal(|ui| {
        let (rect, response) = ui.allocate_exact_size(vec2(gutter, row_height), Sense::click());
        let visuals = ui.visuals();
        if let Some(number) = number
            && view.is_selected(number)
        {
            let row =
                Rect::from_min_max(rect.min, egui::pos2(ui.max_rect().right(), rect.bottom()));
            ui.painter()
                .rect_filled(row, 0.0, visuals.selection.bg_fill.gamma_multiply(0.5));
        }
        if let Some(colour) = stderr_mark(line, visuals) {
            let mark = Rect::from_min_size(rect.min, vec2(STDERR_MARK_WIDTH, row_height));
            ui.painter().rect_filled(mark, 0.0, colour);
        }
        let label = number.map_or_else(|| "…".to_owned(), |number| (number + 1).to_string());
        ui.painter().text(
            rect.right_center() - vec2(6.0, 0.0),
            Align2::RIGHT_CENTER,
            label,
            font.clone(),
            visuals.weak_text_color(),
        );
        if let Some(number) = number {
            let selected = view.is_selected(number);
            let stderr = if line.stream == Stream::Stderr {
                " (stderr)"
            } else {
                ""
            };
            response.widget_info(|| {
                egui::WidgetInfo::selected(
                    egui::accesskit::Role::Button,
                    true,
                    selected,
                    format!("Select line {}{stderr}", number + 1),
                )
            });
            if response.clicked() {
                let extend = ui.input(|input| input.modifiers.shift);
                view.select(number, extend);
            }
        }
        let highlights = view.search.highlights(number, &line.text);
        let job = line_job(line, &highlights, font, ui.visuals());
        ui.add(egui::Label::new(job).extend());
    });
}

/// The colour of the gutter's mark for `line`: stderr lines have one.
pub(crate) fn stderr_mark(line: &LogLine, visuals: &egui::Visuals) -> Option<Color32> {
    (line.stream == Stream::Stderr).then_some(visuals.error_fg_color)
}
