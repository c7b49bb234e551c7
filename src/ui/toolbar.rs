//! The toolbar: job kind and its parameters, Start job, Stop all,
//! Pause/Resume and Settings.

use egui::{DragValue, KeyboardShortcut, Modifiers, Ui};

use super::{Command, JobRecipe};
use crate::jobs::{CommandJob, DemoJob, DemoKind};

/// Starts a job with the toolbar's parameters.
pub const START_SHORTCUT: KeyboardShortcut =
    KeyboardShortcut::new(Modifiers::COMMAND, egui::Key::N);
/// Stops every job.
pub const STOP_ALL_SHORTCUT: KeyboardShortcut =
    KeyboardShortcut::new(Modifiers::COMMAND.plus(Modifiers::SHIFT), egui::Key::S);

/// The kinds the toolbar offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ToolbarKind {
    /// A built-in demo job.
    Demo(DemoKind),
    /// An external program given by a command line.
    Command,
}

impl ToolbarKind {
    fn label(self) -> &'static str {
        match self {
            Self::Demo(kind) => kind.label(),
            Self::Command => "Command",
        }
    }
}

/// The chosen kind and the parameters of every kind, so switching kinds
/// keeps what was typed.
#[derive(Clone, Debug)]
pub struct ToolbarState {
    /// The kind Start job starts.
    pub kind: ToolbarKind,
    demos: Vec<DemoJob>,
    /// The Command kind's command line, split like a shell would.
    pub command_line: String,
    /// The Command kind's working directory; empty for jobdeck's own.
    pub command_cwd: String,
}

impl Default for ToolbarState {
    fn default() -> Self {
        Self {
            kind: ToolbarKind::Demo(DemoKind::Steps),
            demos: DemoKind::ALL
                .into_iter()
                .map(DemoJob::default_for)
                .collect(),
            command_line: "sh -c 'for i in $(seq 1 20); do echo $((i*5))%; sleep 0.2; done'"
                .to_owned(),
            command_cwd: String::new(),
        }
    }
}

impl ToolbarState {
    /// The job Start job would start.
    ///
    /// # Errors
    /// A message for a command line that cannot be split into a program and
    /// its arguments.
    pub fn recipe(&self) -> Result<JobRecipe, String> {
        match self.kind {
            ToolbarKind::Demo(kind) => Ok(JobRecipe::Demo(
                self.demos
                    .iter()
                    .find(|r| r.kind() == kind)
                    .cloned()
                    .unwrap_or_else(|| DemoJob::default_for(kind)),
            )),
            ToolbarKind::Command => {
                let job = CommandJob::from_command_line(&self.command_line)
                    .map_err(|err| format!("cannot start the command: {err}"))?;
                let cwd = self.command_cwd.trim();
                Ok(JobRecipe::Command(if cwd.is_empty() {
                    job
                } else {
                    job.cwd(cwd.into())
                }))
            }
        }
    }

    /// Chooses `job`'s kind with `job`'s parameters.
    pub fn set_recipe(&mut self, job: DemoJob) {
        self.kind = ToolbarKind::Demo(job.kind());
        if let Some(slot) = self.demos.iter_mut().find(|r| r.kind() == job.kind()) {
            *slot = job;
        }
    }

    /// Chooses the Command kind with this command line and working directory.
    pub fn set_command(&mut self, line: impl Into<String>, cwd: impl Into<String>) {
        self.kind = ToolbarKind::Command;
        self.command_line = line.into();
        self.command_cwd = cwd.into();
    }

    /// The command Start job (or its shortcut) pushes.
    pub(crate) fn start_command(&self) -> Command {
        match self.recipe() {
            Ok(recipe) => Command::Start(recipe),
            Err(message) => Command::ShowError(message),
        }
    }
}

/// Draws the toolbar; `paused` says whether the queue is held.
pub(crate) fn toolbar_ui(
    ui: &mut Ui,
    state: &mut ToolbarState,
    paused: bool,
    commands: &mut Vec<Command>,
) {
    // The buttons come first so they stay put whatever the kind's
    // parameters take up.
    ui.horizontal_wrapped(|ui| {
        buttons_ui(ui, state, paused, commands);
        ui.separator();
        let label = ui.label("Job kind");
        egui::ComboBox::from_id_salt("job kind")
            .selected_text(state.kind.label())
            .show_ui(ui, |ui| {
                let kinds = DemoKind::ALL.into_iter().map(ToolbarKind::Demo);
                for kind in kinds.chain([ToolbarKind::Command]) {
                    ui.selectable_value(&mut state.kind, kind, kind.label());
                }
            })
            .response
            .labelled_by(label.id);
        match state.kind {
            ToolbarKind::Demo(kind) => {
                if let Some(demo) = state.demos.iter_mut().find(|r| r.kind() == kind) {
                    params_ui(ui, demo);
                }
            }
            ToolbarKind::Command => command_ui(ui, state),
        }
    });
}

fn buttons_ui(ui: &mut Ui, state: &ToolbarState, paused: bool, commands: &mut Vec<Command>) {
    let start = ui.button("Start job").on_hover_text(format!(
        "Start a {} job with these parameters ({})",
        state.kind.label(),
        ui.ctx().format_shortcut(&START_SHORTCUT)
    ));
    if start.clicked() {
        commands.push(state.start_command());
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
    if ui
        .button("Open job file")
        .on_hover_text("Load a TOML job file and start its jobs (or drop one on the window)")
        .clicked()
    {
        commands.push(Command::ShowOpenFile(true));
    }
    if ui
        .button("Settings")
        .on_hover_text("Max threads, stop grace period, theme")
        .clicked()
    {
        commands.push(Command::ShowSettings(true));
    }
}

/// The Command kind's command line and working directory.
fn command_ui(ui: &mut Ui, state: &mut ToolbarState) {
    let label = ui.label("Command line");
    ui.add(egui::TextEdit::singleline(&mut state.command_line).desired_width(260.0))
        .labelled_by(label.id)
        .on_hover_text("Split like a shell would; no shell runs it");
    let label = ui.label("Working directory");
    ui.add(
        egui::TextEdit::singleline(&mut state.command_cwd)
            .desired_width(120.0)
            .hint_text("current"),
    )
    .labelled_by(label.id);
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
