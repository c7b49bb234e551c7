//! The job table: one row per job, virtualised, sortable by its columns and
//! filtered by name and state.
//!
//! The order and the rows shown are cached and worked out again only when
//! what they depend on changes (see [`TableState::refresh`]): a job added
//! or removed, a state changed when the order or the chips follow states,
//! or a clock tick when the order follows progress or time. A frame of
//! 10,000 rows sorted by name costs no sort while the jobs only progress.

mod filter;
mod row;
mod sort;

use std::time::Instant;

use egui::{Role, Ui, Vec2, WidgetInfo};

use super::Command;
use crate::board::Board;
use crate::engine::JobId;

pub use filter::{Filter, StateSet};
pub(crate) use row::{LOWER_KEY, PAUSE_KEY, RAISE_KEY};
pub use sort::{Sort, SortKey};

use filter::{Needle, filter_bar_ui};
use row::{cell_ui, row_ui};

const ROW_HEIGHT: f32 = 22.0;
const NAME_WIDTH: f32 = 190.0;
const STATE_WIDTH: f32 = 115.0;
const PROGRESS_WIDTH: f32 = 150.0;
const WHERE_WIDTH: f32 = 90.0;
const ELAPSED_WIDTH: f32 = 65.0;
const PRIORITY_WIDTH: f32 = 70.0;

/// The columns, in order, with their widths.
const COLUMNS: [(SortKey, f32); 6] = [
    (SortKey::Name, NAME_WIDTH),
    (SortKey::State, STATE_WIDTH),
    (SortKey::Progress, PROGRESS_WIDTH),
    (SortKey::Where, WHERE_WIDTH),
    (SortKey::Elapsed, ELAPSED_WIDTH),
    (SortKey::Priority, PRIORITY_WIDTH),
];

/// How the table is sorted and filtered, and the rows that makes.
#[derive(Debug, Default)]
pub struct TableState {
    /// The column the rows are sorted by; `None` keeps submission order.
    pub sort: Option<Sort>,
    /// Which rows show.
    pub filter: Filter,
    /// The states seen on the board since it was last empty: their chips
    /// stay in place even while no job is in them.
    seen_states: StateSet,
    /// The keyboard (or "Running") moved the selection: the table brings it
    /// into view at its next frame.
    pub(crate) scroll_to_selected: bool,
    /// Every job's index on the board, sorted, and what it was sorted for.
    order: Vec<usize>,
    order_key: Option<OrderKey>,
    /// The rows shown (`order` filtered), and what they were chosen for.
    rows: Vec<usize>,
    rows_key: Option<RowsKey>,
}

/// What the cached order depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct OrderKey {
    sort: Option<Sort>,
    jobs: usize,
    rows_version: u64,
    /// The board's states version, when the order follows states.
    states_version: Option<u64>,
    /// The clock's tick, when the order moves with progress or time.
    tick: Option<Instant>,
}

/// What the cached rows depend on.
#[derive(Clone, Debug, PartialEq, Eq)]
struct RowsKey {
    order: OrderKey,
    needle: Needle,
    /// The board's states version, when state chips are on.
    states_version: Option<u64>,
}

impl TableState {
    /// Works out the order and the rows shown again, if what they depend on
    /// changed since the last call.
    pub fn refresh(&mut self, board: &Board, now: Instant) {
        let jobs = board.jobs();
        let order_key = OrderKey {
            sort: self.sort,
            jobs: jobs.len(),
            rows_version: board.rows_version(),
            states_version: self
                .sort
                .filter(|sort| sort.key.follows_states())
                .map(|_| board.states_version()),
            tick: self.sort.filter(|sort| sort.key.is_live()).map(|_| now),
        };
        if self.order_key != Some(order_key) {
            self.order.clear();
            self.order.extend(0..jobs.len());
            if let Some(sort) = self.sort {
                sort.apply(jobs, &mut self.order, now);
            }
            self.order_key = Some(order_key);
        }
        let needle = self.filter.needle();
        let rows_key = RowsKey {
            order: order_key,
            states_version: needle.follows_states().then(|| board.states_version()),
            needle,
        };
        if self.rows_key.as_ref() != Some(&rows_key) {
            self.rows.clear();
            let order = self.order.iter().copied();
            self.rows
                .extend(order.filter(|&i| rows_key.needle.matches(&jobs[i])));
            self.rows_key = Some(rows_key);
        }
    }

    /// The rows shown, as indices into [`Board::jobs`], as of the last
    /// [`refresh`](Self::refresh).
    #[must_use]
    pub fn rows(&self) -> &[usize] {
        &self.rows
    }
}

/// The job table, with its filter bar above. Only the visible rows are laid
/// out, so 10,000 jobs scroll as smoothly as ten.
pub(crate) fn table_ui(
    ui: &mut Ui,
    board: &Board,
    state: &mut TableState,
    selected: Option<JobId>,
    now: Instant,
    commands: &mut Vec<Command>,
) {
    // A job the bar just went to is selected from this frame on (the app
    // applies the selection after it), so that its row scrolls into view.
    let selected = filter_bar_ui(ui, board, state, selected, now, commands).or(selected);
    // The bar may have changed the filter.
    state.refresh(board, now);
    // Sideways as a whole, header and rows together, so that every column
    // (and each row's buttons) can be reached when panels leave the table
    // less room than its columns take.
    egui::ScrollArea::horizontal()
        .auto_shrink(false)
        .show(ui, |ui| {
            header_ui(ui, &mut state.sort);
            ui.separator();
            let scroll_to_selected = std::mem::take(&mut state.scroll_to_selected);
            rows_ui(
                ui,
                board,
                state.rows(),
                selected,
                scroll_to_selected,
                now,
                commands,
            );
        });
}

fn rows_ui(
    ui: &mut Ui,
    board: &Board,
    rows: &[usize],
    selected: Option<JobId>,
    scroll_to_selected: bool,
    now: Instant,
    commands: &mut Vec<Command>,
) {
    let jobs = board.jobs();
    if jobs.is_empty() {
        ui.weak("No jobs yet: choose a kind and press Start job.");
        return;
    }
    if rows.is_empty() {
        ui.weak("No job matches the filter.");
        return;
    }
    egui::ScrollArea::vertical().auto_shrink(false).show_rows(
        ui,
        ROW_HEIGHT,
        rows.len(),
        |ui, shown| {
            if scroll_to_selected {
                // The keyboard moved the selection: bring its row into view,
                // wherever it is (rows off screen are not laid out).
                let index = selected.and_then(|id| rows.iter().position(|&i| jobs[i].id == id));
                if let Some(index) = index {
                    let row = ROW_HEIGHT + ui.spacing().item_spacing.y;
                    #[allow(clippy::cast_precision_loss)]
                    let offset = (index as f32 - shown.start as f32) * row;
                    let top = ui.cursor().top() + offset;
                    let rect = egui::Rect::from_min_size(
                        egui::pos2(ui.min_rect().left(), top),
                        Vec2::new(1.0, ROW_HEIGHT),
                    );
                    ui.scroll_to_rect(rect, None);
                }
            }
            for &i in &rows[shown] {
                let job = &jobs[i];
                row_ui(ui, job, selected == Some(job.id), now, commands);
            }
        },
    );
}

/// The column titles; a click sorts by the column, again reverses, a third
/// time goes back to submission order. The sorted column shows its
/// direction.
fn header_ui(ui: &mut Ui, sort: &mut Option<Sort>) {
    ui.horizontal(|ui| {
        for (key, width) in COLUMNS {
            cell_ui(ui, width, |ui| {
                let text = egui::RichText::new(key.title()).strong();
                let response = ui
                    .add(egui::Button::new(text).frame(false))
                    .on_hover_text(format!(
                        "Sort by {}; click again to reverse, a third time for the order \
                         jobs were added",
                        key.title().to_lowercase()
                    ));
                let label = format!("Sort by {}", key.title().to_lowercase());
                response.widget_info(|| WidgetInfo::labeled(Role::Button, true, &label));
                if let Some(current) = sort.filter(|current| current.key == key) {
                    arrow_ui(ui, current.descending);
                }
                if response.clicked() {
                    *sort = Sort::clicked(*sort, key);
                }
            });
        }
    });
}

/// A small triangle, point up for ascending and down for descending: drawn,
/// not typed, as not every font has arrows.
fn arrow_ui(ui: &mut Ui, descending: bool) {
    let (rect, _) = ui.allocate_exact_size(Vec2::splat(10.0), egui::Sense::hover());
    let (top, bottom) = (rect.top() + 2.0, rect.bottom() - 2.0);
    let (tip, base) = if descending {
        (bottom, top)
    } else {
        (top, bottom)
    };
    let points = vec![
        egui::pos2(rect.center().x, tip),
        egui::pos2(rect.right() - 1.0, base),
        egui::pos2(rect.left() + 1.0, base),
    ];
    let colour = ui.visuals().strong_text_color();
    ui.painter().add(egui::Shape::convex_polygon(
        points,
        colour,
        egui::Stroke::NONE,
    ));
}
