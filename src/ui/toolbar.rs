//! The toolbar: job kind and its parameters, Start job, Stop all,
//! Pause/Resume and Settings.

use egui::{DragValue, KeyboardShortcut, Modifiers, Ui};

use super::Command;
use crate::jobs::{DemoJob, DemoKind};

/// Starts a job with the toolbar's parameters.
pub const START_SHORTCUT: KeyboardShortcut =
    KeyboardShortcut::new(Modifiers::COMMAND, egui::Key::N);
/// Stops every job.
pub const STOP_ALL_SHORTCUT: KeyboardShortcut =
    KeyboardShortcut::new(Modifiers::COMMAND.plus(Modifiers::SHIFT), egui::Key::S);

/// The chosen kind and the parameters of every kind, so switching kinds
/// keeps what was typed.
#[derive(Clone, Debug)]
pub struct ToolbarState {
    /// The kind Start job starts.
    pub kind: DemoKind,
    recipes: Vec<DemoJob>,
}

impl Default for ToolbarState {
    fn default() -> Self {
        Self {
            kind: DemoKind::Steps,
            recipes: DemoKind::ALL
                .into_iter()
                .map(DemoJob::default_for)
                .collect(),
        }
    }
}

impl ToolbarState {
    /// The job Start job would start.
    ///
    /// # Panics
    /// Never: there is a recipe for every kind.
    #[must_use]
    pub fn recipe(&self) -> &DemoJob {
        self.recipes
            .iter()
            .find(|r| r.kind() == self.kind)
            .expect("a recipe per kind")
    }

    /// Chooses `job`'s kind with `job`'s parameters.
    pub fn set_recipe(&mut self, job: DemoJob) {
        self.kind = job.kind();
        if let Some(slot) = self.recipes.iter_mut().find(|r| r.kind() == self.kind) {
            *slot = job;
        }
    }

    fn recipe_mut(&mut self) -> &mut DemoJob {
        let kind = self.kind;
        self.recipes
            .iter_mut()
            .find(|r| r.kind() == kind)
            .expect("a recipe per kind")
    }
}

/// Draws the toolbar; `paused` says whether the queue is held.
pub(crate) fn toolbar_ui(
    ui: &mut Ui,
    state: &mut ToolbarState,
    paused: bool,
    commands: &mut Vec<Command>,
) {
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Job kind");
        egui::ComboBox::from_id_salt("job kind")
            .selected_text(state.kind.label())
            .show_ui(ui, |ui| {
                for kind in DemoKind::ALL {
                    ui.selectable_value(&mut state.kind, kind, kind.label());
                }
            })
            .response
            .labelled_by(label.id);
        params_ui(ui, state.recipe_mut());
        ui.separator();

        let start = ui.button("Start job").on_hover_text(format!(
            "Start a {} job ({})",
            state.kind.label(),
            ui.ctx().format_shortcut(&START_SHORTCUT)
        ));
        if start.clicked() {
            commands.push(Command::Start(state.recipe().clone()));
        }
        let stop_all = ui.button("Stop all").on_hover_text(format!(
            "Cancel queued jobs and stop running ones ({})",
            ui.ctx().format_shortcut(&STOP_ALL_SHORTCUT)
        ));
        if stop_all.clicked() {
            commands.push(Command::StopAll);
        }
        if paused {
            if ui
                .button("Resume")
                .on_hover_text("Let queued jobs start again")
                .clicked()
            {
                commands.push(Command::Resume);
            }
        } else if ui
            .button("Pause")
            .on_hover_text("Hold queued jobs back; running jobs go on")
            .clicked()
        {
            commands.push(Command::Pause);
        }
        if ui.button("Settings").clicked() {
            commands.push(Command::ShowSettings(true));
        }
    });
}

/// One labelled number field.
fn number_ui<N: egui::emath::Numeric>(
    ui: &mut Ui,
    label: &str,
    value: &mut N,
    range: std::ops::RangeInclusive<N>,
    suffix: &str,
) {
    let label = ui.label(label);
    ui.add(DragValue::new(value).range(range).suffix(suffix))
        .labelled_by(label.id);
}

/// The chosen kind's parameters.
fn params_ui(ui: &mut Ui, recipe: &mut DemoJob) {
    match recipe {
        DemoJob::Steps(job) => {
            number_ui(ui, "Steps", &mut job.steps, 1..=1_000_000, "");
            number_ui(ui, "Delay", &mut job.delay_ms, 0..=60_000, " ms");
        }
        DemoJob::RandomWalk(job) => {
            number_ui(ui, "Points", &mut job.points, 1..=100_000_000, "");
            number_ui(
                ui,
                "Min rate",
                &mut job.min_rate_hz,
                0.1..=1_000_000.0,
                " Hz",
            );
            number_ui(
                ui,
                "Max rate",
                &mut job.max_rate_hz,
                0.1..=1_000_000.0,
                " Hz",
            );
        }
        DemoJob::FlakyDivision(job) => {
            number_ui(ui, "Min steps", &mut job.min_steps, 1..=1_000, "");
            number_ui(ui, "Max steps", &mut job.max_steps, 1..=1_000, "");
            number_ui(ui, "Delay", &mut job.delay_ms, 0..=60_000, " ms");
        }
        DemoJob::SumRange(job) => {
            number_ui(ui, "End", &mut job.end, 1..=u64::MAX / 4, "");
            number_ui(ui, "Chunks", &mut job.chunks, 1..=1_000_000, "");
        }
    }
}
