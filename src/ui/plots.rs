//! Live plots: one line per job series, decimated to the plot's width,
//! with a legend beside it that scrolls (see `plot_legend`).

use std::collections::{HashMap, HashSet};
use std::ops::RangeInclusive;

use egui::Ui;
use egui_plot::{Line, Plot, PlotPoints};

use super::natural::natural_cmp;
use super::plot_legend::{LegendRow, LineKey, legend_ui};
use super::style::job_colour;
use crate::board::Board;

/// The most lines drawn at once (the newest jobs'); beyond this a plot is
/// unreadable anyway, and each line costs tessellation time.
pub const MAX_PLOTTED_LINES: usize = 64;

/// The most points handed to the plot per frame, over all lines. Up to
/// `PLOT_POINT_BUDGET / 2 / columns` lines (8 on a 1,000-pixel plot) get two
/// points per pixel column; with more lines each gets an equal share (64
/// lines: one min/max pair per 8 columns), so a crowded plot costs what 8
/// lines do. Tessellating lines is most of a frame's cost (`cargo bench
/// --bench board`: 64 lines of 1,000,000 points draw in about 6.5 ms with
/// this budget, 8.7 ms with twice it), and overlapping lines hide the
/// difference.
pub const PLOT_POINT_BUDGET: usize = 16_384;

/// What the plot remembers between frames.
#[derive(Clone, Debug)]
pub struct PlotState {
    /// Whether the view fits all data (and so follows new points); zooming
    /// or panning turns it off.
    pub follow_latest: bool,
    /// Decimated lines by (job seq, series index): a series that got no new
    /// points (an ended job's) is not decimated again while the view stays.
    cache: HashMap<(u64, usize), CachedLine>,
    /// Lines unchecked in the legend.
    hidden: HashSet<LineKey>,
    frame: u64,
}

impl Default for PlotState {
    fn default() -> Self {
        Self {
            follow_latest: true,
            cache: HashMap::new(),
            hidden: HashSet::new(),
            frame: 0,
        }
    }
}

/// One line's decimated points and what they were computed from.
#[derive(Clone, Debug)]
struct CachedLine {
    raw_count: u64,
    range_bits: [u64; 2],
    columns: usize,
    points: Vec<[f64; 2]>,
    used_in_frame: u64,
}

impl PlotState {
    /// `series` decimated over `range` to `columns`, from the cache when
    /// nothing changed since the last frame.
    fn decimated(
        &mut self,
        key: (u64, usize),
        series: &crate::board::Series,
        range: RangeInclusive<f64>,
        columns: usize,
    ) -> Vec<[f64; 2]> {
        let range_bits = [range.start().to_bits(), range.end().to_bits()];
        let frame = self.frame;
        let entry = self.cache.entry(key).or_insert_with(|| CachedLine {
            raw_count: u64::MAX,
            range_bits,
            columns,
            points: Vec::new(),
            used_in_frame: frame,
        });
        if entry.raw_count != series.raw_count()
            || entry.range_bits != range_bits
            || entry.columns != columns
        {
            entry.points = series.decimate(range, columns);
            entry.raw_count = series.raw_count();
            entry.range_bits = range_bits;
            entry.columns = columns;
        }
        entry.used_in_frame = frame;
        entry.points.clone()
    }
}

/// One line to draw: its legend name, colour and the series to decimate.
struct LineSource<'a> {
    name: String,
    seq: u64,
    index: usize,
    series: &'a crate::board::Series,
}

fn sources(board: &Board) -> (Vec<LineSource<'_>>, usize) {
    let mut lines = Vec::new();
    let mut total = 0;
    for job in board.jobs().iter().rev() {
        for (index, series) in job.series.iter().enumerate() {
            total += 1;
            if lines.len() < MAX_PLOTTED_LINES {
                let name = if job.series.len() == 1 {
                    job.name().to_owned()
                } else {
                    format!("{}: {}", job.name(), series.name())
                };
                lines.push(LineSource {
                    name,
                    seq: job.seq,
                    index,
                    series,
                });
            }
        }
    }
    // The legend lists lines in this order: natural, "walk 2" before "walk 10".
    lines.sort_by(|a, b| natural_cmp(&a.name, &b.name).then(a.seq.cmp(&b.seq)));
    (lines, total)
}

/// Draws the plot panel.
pub(crate) fn plots_ui(ui: &mut Ui, board: &Board, state: &mut PlotState) {
    let (lines, total) = sources(board);
    ui.horizontal(|ui| {
        ui.strong("Plots");
        ui.checkbox(&mut state.follow_latest, "Follow latest")
            .on_hover_text("Fit all data and follow new points; drag or zoom to look around");
        if total > lines.len() {
            ui.weak(format!(
                "showing the newest {} of {total} series",
                lines.len()
            ));
        }
    });
    if total == 0 {
        // Empty axes say nothing, and under software rendering their
        // background and grid cost as much to draw as the rest of the window.
        state.cache.clear();
        // The hint keeps the panel's size, so the table does not jump
        // when the first samples arrive.
        ui.centered_and_justified(|ui| {
            ui.weak(
                "Jobs that report samples (Random walk; commands printing \
                 jobdeck:sample lines) are plotted here.",
            );
        });
        return;
    }
    let rows: Vec<LegendRow<'_>> = lines
        .iter()
        .map(|line| LegendRow {
            name: &line.name,
            colour: job_colour(line.seq),
            key: (line.seq, line.index),
        })
        .collect();
    // Forget what was hidden of lines that are gone.
    state
        .hidden
        .retain(|key| rows.iter().any(|row| row.key == *key));
    egui::Panel::right("plot legend")
        .resizable(true)
        .default_size(150.0)
        .show(ui, |ui| legend_ui(ui, &rows, &mut state.hidden));
    drop(rows);
    let lines: Vec<_> = lines
        .into_iter()
        .filter(|line| !state.hidden.contains(&(line.seq, line.index)))
        .collect();
    let follow = state.follow_latest;
    state.frame += 1;
    let frame = state.frame;
    let response = Plot::new("job plots")
        .allow_double_click_reset(true)
        .show(ui, |plot_ui| {
            if follow {
                plot_ui.set_auto_bounds(true);
            }
            let bounds = plot_ui.plot_bounds();
            // Truncation is fine: a column count only needs to be close.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let width_columns = plot_ui.response().rect.width().max(1.0) as usize;
            let share = PLOT_POINT_BUDGET / 2 / lines.len().max(1);
            let columns = width_columns.min(share).max(1);
            for line in lines {
                let range = if follow {
                    line.series.x_range().unwrap_or_else(|| bounds.range_x())
                } else {
                    bounds.range_x()
                };
                let points = state.decimated((line.seq, line.index), line.series, range, columns);
                plot_ui.line(
                    Line::new(line.name, PlotPoints::new(points))
                        .color(job_colour(line.seq))
                        .id(("plot line", line.seq, line.series.name().as_ref())),
                );
            }
        })
        .response;
    state.cache.retain(|_, line| line.used_in_frame == frame);
    let scrolled = response.hovered() && ui.input(|i| i.smooth_scroll_delta != egui::Vec2::ZERO);
    if response.dragged() || scrolled {
        state.follow_latest = false;
    }
}
