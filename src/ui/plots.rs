//! Live plots: one line per job series, decimated to the plot's width.

use egui::Ui;
use egui_plot::{Legend, Line, Plot, PlotPoints};

use super::style::job_colour;
use crate::board::Board;

/// The most lines drawn at once (the newest jobs'); beyond this a plot is
/// unreadable anyway, and each line costs tessellation time.
pub const MAX_PLOTTED_LINES: usize = 64;

/// What the plot remembers between frames.
#[derive(Clone, Debug)]
pub struct PlotState {
    /// Whether the view fits all data (and so follows new points); zooming
    /// or panning turns it off.
    pub follow_latest: bool,
}

impl Default for PlotState {
    fn default() -> Self {
        Self {
            follow_latest: true,
        }
    }
}

/// One line to draw: its legend name, colour and the series to decimate.
struct LineSource<'a> {
    name: String,
    seq: u64,
    series: &'a crate::board::Series,
}

fn sources(board: &Board) -> (Vec<LineSource<'_>>, usize) {
    let mut lines = Vec::new();
    let mut total = 0;
    for job in board.jobs().iter().rev() {
        for series in &job.series {
            total += 1;
            if lines.len() < MAX_PLOTTED_LINES {
                let name = if job.series.len() == 1 {
                    job.name.clone()
                } else {
                    format!("{}: {}", job.name, series.name())
                };
                lines.push(LineSource {
                    name,
                    seq: job.seq,
                    series,
                });
            }
        }
    }
    lines.reverse();
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
    let follow = state.follow_latest;
    let response = Plot::new("job plots")
        .legend(Legend::default())
        .allow_double_click_reset(true)
        .show(ui, |plot_ui| {
            if follow {
                plot_ui.set_auto_bounds(true);
            }
            let bounds = plot_ui.plot_bounds();
            // Truncation is fine: a column count only needs to be close.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let columns = plot_ui.response().rect.width().max(1.0) as usize;
            for line in lines {
                let range = if follow {
                    line.series.x_range().unwrap_or_else(|| bounds.range_x())
                } else {
                    bounds.range_x()
                };
                let points = line.series.decimate(range, columns);
                plot_ui.line(
                    Line::new(line.name, PlotPoints::new(points))
                        .color(job_colour(line.seq))
                        .id(("plot line", line.seq, line.series.name().as_ref())),
                );
            }
        })
        .response;
    let scrolled = response.hovered() && ui.input(|i| i.smooth_scroll_delta != egui::Vec2::ZERO);
    if response.dragged() || scrolled {
        state.follow_latest = false;
    }
}
