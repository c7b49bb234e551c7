//! Which rows the table shows: a name filter and state chips, and the bar
//! above the table that sets them.

use std::time::Instant;

use egui::{RichText, Role, Ui, WidgetInfo};

use super::super::Command;
use super::super::style::state_colour;
use super::TableState;
use crate::board::{Board, JobView, StateClass};
use crate::engine::JobId;

/// The rows a person asked to see.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Shown are jobs whose name holds this, whatever the case.
    pub text: String,
    /// The states whose chips are on; none on shows every state.
    pub states: StateSet,
}

/// A set of states, one bit per [`StateClass`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct StateSet(u16);

impl StateSet {
    /// Whether `class` is in the set.
    #[must_use]
    pub fn contains(self, class: StateClass) -> bool {
        self.0 & (1 << class.index()) != 0
    }

    /// Puts `class` in the set, or takes it out if it was in.
    pub fn toggle(&mut self, class: StateClass) {
        self.0 ^= 1 << class.index();
    }

    fn insert(&mut self, class: StateClass) {
        self.0 |= 1 << class.index();
    }

    /// Whether no state is in the set.
    #[must_use]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// A filter made ready to test many rows: the name lower-cased once.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Needle {
    text: String,
    states: StateSet,
}

impl Filter {
    /// Whether it hides anything at all.
    #[must_use]
    pub fn is_active(&self) -> bool {
        !self.text.trim().is_empty() || !self.states.is_empty()
    }

    pub(crate) fn needle(&self) -> Needle {
        Needle {
            text: self.text.trim().to_lowercase(),
            states: self.states,
        }
    }
}

impl Needle {
    /// Whether the rows it shows change when a job changes state.
    pub(crate) fn follows_states(&self) -> bool {
        !self.states.is_empty()
    }

    pub(crate) fn matches(&self, job: &JobView) -> bool {
        (self.states.is_empty() || self.states.contains(job.lifecycle.class()))
            && (self.text.is_empty() || contains_folded(job.name(), &self.text))
    }
}

/// Whether `name` holds `needle` (lower case) whatever the case of `name`;
/// ASCII names, the common case, are compared without a copy.
fn contains_folded(name: &str, needle: &str) -> bool {
    if needle.is_empty() {
        true
    } else if name.is_ascii() && needle.is_ascii() {
        let (name, needle) = (name.as_bytes(), needle.as_bytes());
        needle.len() <= name.len()
            && name
                .windows(needle.len())
                .any(|window| window.eq_ignore_ascii_case(needle))
    } else {
        name.to_lowercase().contains(needle)
    }
}

/// Whether a job is in flight: what "Running" jumps to.
fn in_flight(class: StateClass) -> bool {
    matches!(
        class,
        StateClass::Running | StateClass::Stopping | StateClass::Paused
    )
}

/// The bar above the table: the name filter, a chip per state on the board,
/// how many rows show, and a button that goes to the running jobs. Returns
/// the job that button selected, if it was pressed.
pub(super) fn filter_bar_ui(
    ui: &mut Ui,
    board: &Board,
    state: &mut TableState,
    selected: Option<JobId>,
    now: Instant,
    commands: &mut Vec<Command>,
) -> Option<JobId> {
    state.refresh(board, now);
    if board.jobs().is_empty() {
        state.seen_states = StateSet::default();
    }
    ui.horizontal_wrapped(|ui| {
        // Laid out so that things hold their places as jobs move on: Go to
        // running stays (disabled when nothing runs), and a state's chip
        // stays once its state was seen, even when no job is in it now.
        let jumped = running_jump_ui(ui, board, state, selected, now, commands);
        let label = ui.label("Filter");
        ui.add(
            egui::TextEdit::singleline(&mut state.filter.text)
                .desired_width(160.0)
                .hint_text("name"),
        )
        .labelled_by(label.id)
        .on_hover_text("Show only the jobs whose name holds this (any case)");
        for class in StateClass::ALL {
            let count = board.count(class);
            if count > 0 {
                state.seen_states.insert(class);
            }
            let on = state.filter.states.contains(class);
            if state.seen_states.contains(class) || on {
                chip_ui(ui, class, count, on, &mut state.filter.states);
            }
        }
        let total = board.jobs().len();
        if state.filter.is_active() {
            let shown = state.rows().len();
            ui.weak(format!("{shown} of {total} jobs shown"));
            if ui
                .small_button("Clear filter")
                .on_hover_text("Show every job")
                .clicked()
            {
                state.filter = Filter::default();
            }
        }
        jumped
    })
    .inner
}

/// A chip that shows only the jobs in `class` (with the other chips on).
fn chip_ui(ui: &mut Ui, class: StateClass, count: usize, on: bool, states: &mut StateSet) {
    let text = RichText::new(format!("{} {count}", class.label()))
        .color(state_colour(class, ui.visuals()));
    let response = ui
        .add(egui::Button::selectable(on, text))
        .on_hover_text(format!(
            "Show {} jobs (with the other chips that are on)",
            class.label()
        ));
    let label = format!("Show {} jobs", class.label());
    response.widget_info(|| WidgetInfo::selected(Role::Button, true, on, &label));
    if response.clicked() {
        states.toggle(class);
    }
}

/// "Go to running (3)": selects the next job in flight below the selection (the
/// first one after the last), and scrolls to it. A filter that hides every
/// job in flight is cleared first.
fn running_jump_ui(
    ui: &mut Ui,
    board: &Board,
    state: &mut TableState,
    selected: Option<JobId>,
    now: Instant,
    commands: &mut Vec<Command>,
) -> Option<JobId> {
    let running: usize = StateClass::ALL
        .into_iter()
        .filter(|&class| in_flight(class))
        .map(|class| board.count(class))
        .sum();
    let response = ui
        .add_enabled(
            running > 0,
            egui::Button::new(format!("Go to running ({running})")),
        )
        .on_hover_text("Select the next running job and scroll to it")
        .on_disabled_hover_text("No job runs now");
    response.widget_info(|| WidgetInfo::labeled(Role::Button, true, "Go to running jobs"));
    if !response.clicked() {
        return None;
    }
    let jobs = board.jobs();
    let is_running = |row: usize| in_flight(jobs[row].lifecycle.class());
    if !state.rows().iter().any(|&row| is_running(row)) {
        state.filter = Filter::default();
        state.refresh(board, now);
    }
    let rows = state.rows();
    let at = selected.and_then(|id| rows.iter().position(|&row| jobs[row].id == id));
    let after = at.map_or(0, |at| at + 1);
    let next = rows[after..]
        .iter()
        .chain(&rows[..after])
        .copied()
        .find(|&row| is_running(row))
        .map(|row| jobs[row].id);
    if let Some(id) = next {
        commands.push(Command::Select(Some(id)));
        state.scroll_to_selected = true;
    }
    next
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_whatever_their_case() {
        assert!(contains_folded("Walk 12", "walk 1"));
        assert!(contains_folded("gzip A.LOG", "a.log"));
        assert!(!contains_folded("walk", "walks"));
        assert!(contains_folded("ÉTÉ 2", "été"));
        assert!(contains_folded("anything", ""));
    }
}
