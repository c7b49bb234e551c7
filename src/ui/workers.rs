//! The Workers panel: one lane per worker thread with what it runs now, its
//! utilisation, a small plot of how busy it was over time, and a timeline of
//! the jobs it ran (spans coloured by outcome; hover names the job), like
//! Dask's task stream.
//!
//! Cheap with many workers and jobs: lanes are virtualised, each lane walks
//! back only through the spans in its time window, and touching spans of
//! one colour narrower than a pixel are drawn as one rectangle.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use egui::{Align, Color32, Layout, Rect, Role, Sense, Ui, Vec2, WidgetInfo, pos2};

use super::style::{format_duration, state_colour};
use crate::board::{Board, Lane, Span, StateClass};

const LANE_HEIGHT: f32 = 20.0;
const NUMBER_WIDTH: f32 = 40.0;
const CURRENT_WIDTH: f32 = 150.0;
const UTILISATION_WIDTH: f32 = 44.0;
const BUSY_PLOT_WIDTH: f32 = 90.0;
/// The narrowest the "runs <job>" cell gets in a narrow column.
const MIN_CURRENT_WIDTH: f32 = 60.0;
/// The timeline's width kept before the job's name gives way.
const MIN_TIMELINE_WIDTH: f32 = 100.0;
/// Slices of the window in each lane's busy plot.
const BUSY_BUCKETS: usize = 30;
/// Job names a lane's accessible description lists, newest last.
const NAMES_DESCRIBED: usize = 20;

/// The time windows a person can pick, in seconds.
pub const WORKER_WINDOWS_SECS: [u64; 3] = [10, 60, 600];

/// What the panel remembers between frames.
#[derive(Clone, Debug)]
pub struct WorkersState {
    /// Whether the panel shows (the toolbar's Workers toggle).
    pub is_shown: bool,
    /// How much time the timelines show, up to now, in seconds.
    pub window_secs: u64,
}

impl Default for WorkersState {
    fn default() -> Self {
        Self {
            is_shown: true,
            window_secs: 60,
        }
    }
}

/// `10 s`, `1 min`, `10 min`.
fn window_label(secs: u64) -> String {
    if secs < 60 {
        format!("{secs} s")
    } else {
        format!("{} min", secs / 60)
    }
}

/// Draws the panel: a lane for each of `threads` workers (more if the board
/// saw more, after Max threads was lowered).
pub(crate) fn workers_ui(
    ui: &mut Ui,
    board: &Board,
    threads: usize,
    state: &mut WorkersState,
    now: Instant,
) {
    let lanes = board.workers().lanes();
    let count = threads.max(lanes.len());
    let window = Duration::from_secs(state.window_secs);
    // Until the window fills, the timelines start at the first span kept,
    // so that early on they use the whole width and utilisation counts only
    // the time there was work.
    let first = lanes
        .iter()
        .filter_map(|lane| lane.spans().next().map(|span| span.start))
        .min()
        .unwrap_or(now);
    let from = now.checked_sub(window).unwrap_or(first).max(first);
    let busy = lanes.iter().filter(|lane| lane.current().is_some()).count();
    // Wrapped: beside the history panel the column is narrow, and a header
    // wider than it would widen the panel under the Details.
    ui.horizontal_wrapped(|ui| {
        ui.strong("Worker threads");
        ui.label(format!("{busy} of {count} busy"));
        ui.separator();
        for secs in WORKER_WINDOWS_SECS {
            ui.selectable_value(&mut state.window_secs, secs, window_label(secs))
                .on_hover_text(format!("Show the last {}", window_label(secs)));
        }
        ui.separator();
        legend_ui(ui);
    });
    let empty = Lane::default();
    egui::ScrollArea::vertical()
        .id_salt("worker lanes")
        .auto_shrink(false)
        .show_rows(ui, LANE_HEIGHT, count, |ui, rows| {
            for worker in rows {
                let lane = lanes.get(worker).unwrap_or(&empty);
                lane_ui(ui, worker, lane, from, now);
            }
        });
}

/// The span colours, as one label of coloured words (one node for a screen
/// reader, not four that read like job states).
fn legend_ui(ui: &mut Ui) {
    let mut job = egui::text::LayoutJob::default();
    let font = egui::TextStyle::Body.resolve(ui.style());
    for (i, class) in [
        StateClass::Running,
        StateClass::Succeeded,
        StateClass::Failed,
        StateClass::Stopped,
    ]
    .into_iter()
    .enumerate()
    {
        let separator = if i == 0 { "spans: " } else { ", " };
        job.append(
            separator,
            0.0,
            egui::TextFormat::simple(font.clone(), ui.visuals().weak_text_color()),
        );
        job.append(
            class.label(),
            0.0,
            egui::TextFormat::simple(font.clone(), state_colour(class, ui.visuals())),
        );
    }
    ui.label(job);
}

fn cell_ui(ui: &mut Ui, width: f32, add: impl FnOnce(&mut Ui)) {
    ui.allocate_ui_with_layout(
        Vec2::new(width, LANE_HEIGHT),
        Layout::left_to_right(Align::Center),
        |ui| {
            ui.set_width(width);
            add(ui);
        },
    );
}

fn lane_ui(ui: &mut Ui, worker: usize, lane: &Lane, from: Instant, now: Instant) {
    ui.horizontal(|ui| {
        ui.set_height(LANE_HEIGHT);
        // In a narrow column (beside the history panel) the job's name
        // gives way first, so the timeline keeps its least width and the
        // lane never runs past the column.
        let gaps = 4.0 * ui.spacing().item_spacing.x;
        let others = NUMBER_WIDTH + UTILISATION_WIDTH + BUSY_PLOT_WIDTH + MIN_TIMELINE_WIDTH;
        let current_width =
            (ui.available_width() - others - gaps).clamp(MIN_CURRENT_WIDTH, CURRENT_WIDTH);
        cell_ui(ui, NUMBER_WIDTH, |ui| {
            ui.label(format!("#{worker}"));
        });
        cell_ui(ui, current_width, |ui| match lane.current() {
            Some(span) => {
                // "runs": the job's own name is its row's, for a screen reader.
                ui.add(egui::Label::new(format!("runs {}", span.spec.name)).truncate())
                    .on_hover_text(format!(
                        "Worker {worker} runs {} for {}",
                        span.spec.name,
                        format_duration(now.saturating_duration_since(span.start))
                    ));
            }
            None => {
                ui.weak("idle");
            }
        });
        let utilisation = lane.utilisation(from, now);
        cell_ui(ui, UTILISATION_WIDTH, |ui| {
            ui.label(format!("{:.0}%", utilisation * 100.0))
                .on_hover_text("Busy for this share of the time shown");
        });
        busy_plot_ui(ui, lane, from, now);
        timeline_ui(ui, worker, lane, from, now);
    });
}

/// How busy the worker was over the window, as columns.
fn busy_plot_ui(ui: &mut Ui, lane: &Lane, from: Instant, now: Instant) {
    let (rect, response) = ui.allocate_exact_size(
        Vec2::new(BUSY_PLOT_WIDTH, LANE_HEIGHT - 4.0),
        Sense::hover(),
    );
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 0.0, ui.visuals().extreme_bg_color);
    let colour = state_colour(StateClass::Running, ui.visuals());
    let width = rect.width() / BUSY_BUCKETS as f32;
    for (i, busy) in lane
        .busy_fractions(from, now, BUSY_BUCKETS)
        .into_iter()
        .enumerate()
    {
        if busy > 0.0 {
            let x = rect.left() + i as f32 * width;
            let top = rect.bottom() - busy * rect.height();
            painter.rect_filled(
                Rect::from_min_max(pos2(x, top), pos2(x + width, rect.bottom())),
                0.0,
                colour,
            );
        }
    }
    response.on_hover_text("How busy the worker was over the time shown (left: oldest)");
}

/// The lane's spans over `from..now`; hover names the job under the pointer.
fn timeline_ui(ui: &mut Ui, worker: usize, lane: &Lane, from: Instant, now: Instant) {
    let width = ui.available_width().max(0.0);
    let (rect, response) =
        ui.allocate_exact_size(Vec2::new(width, LANE_HEIGHT - 4.0), Sense::hover());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 0.0, ui.visuals().extreme_bg_color);
    let total = now.saturating_duration_since(from).as_secs_f32().max(1e-3);
    let x_of = |at: Instant| {
        rect.left() + at.saturating_duration_since(from).as_secs_f32() / total * rect.width()
    };
    // Spans narrower than a pixel that touch one of the same colour merge.
    let mut pending: Option<(f32, f32, Color32)> = None;
    let flush = |pending: Option<(f32, f32, Color32)>| {
        if let Some((x0, x1, colour)) = pending {
            let rect =
                Rect::from_min_max(pos2(x0, rect.top()), pos2(x1.max(x0 + 1.0), rect.bottom()));
            painter.rect_filled(rect, 0.0, colour);
        }
    };
    for span in lane.spans_since(from, now) {
        let colour = state_colour(span.class(), ui.visuals());
        let (x0, x1) = (x_of(span.start), x_of(span.end_or(now)));
        // A pixel's gap between spans wide enough to show one.
        let x1 = if x1 - x0 > 3.0 { x1 - 1.0 } else { x1 };
        pending = match pending {
            Some((p0, p1, c)) if c == colour && x0 - p1 < 1.0 => Some((p0, x1.max(p1), c)),
            other => {
                flush(other);
                Some((x0, x1, colour))
            }
        };
    }
    flush(pending);
    let description = describe(worker, lane, from, now);
    response.widget_info(|| {
        let mut info = WidgetInfo::labeled(Role::Image, true, format!("Worker {worker}"));
        info.current_text_value = Some(description.clone());
        info
    });
    if let Some(pointer) = response.hover_pos() {
        let at = from
            + Duration::from_secs_f32(
                ((pointer.x - rect.left()) / rect.width()).clamp(0.0, 1.0) * total,
            );
        let under = lane
            .spans_since(from, now)
            .find(|span| span.start <= at && at <= span.end_or(now));
        if let Some(span) = under {
            response.on_hover_text(span_text(span, now));
        }
    }
}

/// "walk 3 · succeeded · 2.1 s" (and the attempt, after the first).
fn span_text(span: &Span, now: Instant) -> String {
    let mut text = format!(
        "{} · {} · {}",
        span.spec.name,
        span.class().label(),
        format_duration(span.end_or(now).saturating_duration_since(span.start))
    );
    if span.attempt > 1 {
        let _ = write!(text, " · attempt {}", span.attempt);
    }
    text
}

/// What a screen reader hears for a lane: what it runs, and the jobs it ran
/// in the window, newest last.
fn describe(worker: usize, lane: &Lane, from: Instant, now: Instant) -> String {
    let mut text = match lane.current() {
        Some(span) => format!("worker {worker} runs {}", span.spec.name),
        None => format!("worker {worker} is idle"),
    };
    let spans: Vec<&Span> = lane
        .spans_since(from, now)
        .filter(|span| span.end.is_some())
        .collect();
    if spans.is_empty() {
        return text;
    }
    let _ = write!(text, "; ran {} job(s): ", spans.len());
    let skipped = spans.len().saturating_sub(NAMES_DESCRIBED);
    if skipped > 0 {
        let _ = write!(text, "{skipped} earlier, ");
    }
    let names: Vec<String> = spans[skipped..]
        .iter()
        .map(|span| format!("{} ({})", span.spec.name, span.class().label()))
        .collect();
    text.push_str(&names.join(", "));
    text
}
