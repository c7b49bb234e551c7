//! The toolbar: job kind and its parameters, Start job, Stop all,
//! Pause/Resume, Open job file, Settings and the Workers panel's toggle.

use std::path::{Path, PathBuf};

use egui::{DragValue, KeyboardShortcut, Modifiers, Ui};

use super::Command;
use crate::desktop::file_dialog::{PickWhat, home_dir, resolve_typed};
use crate::jobs::{DemoJob, DemoKind};
use crate::jobspec::{CommandSpec, JobKind, Program};

/// Starts a job with the toolbar's parameters.
pub const START_SHORTCUT: KeyboardShortcut =
    KeyboardShortcut::new(Modifiers::COMMAND, egui::Key::N);
/// Stops every job.
pub const STOP_ALL_SHORTCUT: KeyboardShortcut =
    KeyboardShortcut::new(Modifiers::COMMAND.plus(Modifiers::SHIFT), egui::Key::S);

/// Opens the Open job file window.
pub const OPEN_SHORTCUT: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, egui::Key::O);

/// One job of every kind with its parameters, so switching kinds keeps what
/// was typed, and which kind Start job starts.
#[derive(Clone, Debug)]
pub struct ToolbarState {
    /// One of each kind, in menu order: the demos, then Command. The Command
    /// entry keeps what the toolbar has no field for (env, progress regex);
    /// its program and directory come from the two text fields.
    kinds: Vec<JobKind>,
    /// The index in `kinds` of the kind Start job starts.
    selected: usize,
    /// The Command kind's command line, split like a shell would.
    pub command_line: String,
    /// The Command kind's working directory as typed: relative to `home`,
    /// and empty for `home` itself.
    pub command_cwd: String,
    /// Where typed relative paths start: the person's home folder.
    home: PathBuf,
}

impl Default for ToolbarState {
    fn default() -> Self {
        let demos = DemoKind::ALL
            .into_iter()
            .map(|kind| JobKind::Demo(DemoJob::default_for(kind)));
        let command = JobKind::Command(CommandSpec::new(Program::Argv(Vec::new())));
        Self {
            kinds: demos.chain([command]).collect(),
            selected: 0,
            command_line: "sh -c 'for i in $(seq 1 20); do echo $((i*5))%; sleep 0.2; done'"
                .to_owned(),
            command_cwd: String::new(),
            home: home_dir(),
        }
    }
}

impl ToolbarState {
    /// The kind Start job starts, as it stands.
    #[must_use]
    pub fn selected(&self) -> &JobKind {
        &self.kinds[self.selected]
    }

    /// What Start job would start.
    ///
    /// # Errors
    /// A message for a command line that cannot be split into a program and
    /// its arguments.
    pub fn job_kind(&self) -> Result<JobKind, String> {
        match self.selected() {
            JobKind::Demo(demo) => Ok(JobKind::Demo(demo.clone())),
            JobKind::Command(kept) => {
                let typed = CommandSpec::from_command_line(&self.command_line)
                    .map_err(|err| format!("cannot start the command: {err}"))?;
                Ok(JobKind::Command(CommandSpec {
                    program: typed.program,
                    cwd: Some(self.command_dir()),
                    ..kept.clone()
                }))
            }
        }
    }

    /// The Command kind's working directory as the absolute path it will
    /// be: a relative one (or `~/...`) is resolved against the home folder,
    /// and none (an empty field) is the home folder.
    #[must_use]
    pub fn command_dir(&self) -> PathBuf {
        resolve_typed(&self.command_cwd, &self.home)
    }

    /// Where typed relative paths start (the home folder).
    #[must_use]
    pub fn home(&self) -> &Path {
        &self.home
    }

    /// Typed relative paths start at `dir` from now on (tests use a folder
    /// of their own).
    pub fn set_home(&mut self, dir: PathBuf) {
        self.home = dir;
    }

    /// Chooses `kind`'s kind, with `kind`'s parameters (for a command, its
    /// command line and working directory go into the text fields).
    pub fn choose(&mut self, kind: JobKind) {
        if let JobKind::Command(command) = &kind {
            self.command_line = command.command_line();
            self.command_cwd = command
                .cwd
                .as_ref()
                .map(|dir| dir.display().to_string())
                .unwrap_or_default();
        }
        if let Some(index) = self.kinds.iter().position(|slot| slot.same_kind(&kind)) {
            self.kinds[index] = kind;
            self.selected = index;
        }
    }

    /// Chooses the Command kind with this command line and working directory.
    pub fn set_command(&mut self, line: impl Into<String>, cwd: impl Into<String>) {
        if let Some(index) = self
            .kinds
            .iter()
            .position(|kind| matches!(kind, JobKind::Command(_)))
        {
            self.selected = index;
        }
        self.command_line = line.into();
        self.command_cwd = cwd.into();
    }

    /// The command Start job (or its shortcut) pushes.
    pub(crate) fn start_command(&self) -> Command {
        match self.job_kind() {
            Ok(kind) => Command::Start(kind),
            Err(message) => Command::ShowError(message),
        }
    }
}

/// Draws the toolbar; `paused` says whether the queue is held.
/// `picking` while a file dialog is open.
pub(crate) fn toolbar_ui(
    ui: &mut Ui,
    state: &mut ToolbarState,
    paused: bool,
    workers_open: bool,
    picking: bool,
    commands: &mut Vec<Command>,
) {
    // The buttons come first so they stay put whatever the kind's
    // parameters take up.
    ui.horizontal_wrapped(|ui| {
        buttons_ui(ui, state, paused, commands);
        if ui
            .selectable_label(workers_open, "Workers")
            .on_hover_text("Show or hide the Workers panel: what each worker thread ran")
            .clicked()
        {
            commands.push(Command::ShowWorkers(!workers_open));
        }
        ui.separator();
        let label = ui.label("Job kind");
        egui::ComboBox::from_id_salt("job kind")
            .selected_text(state.selected().label())
            .show_ui(ui, |ui| {
                for (index, kind) in state.kinds.iter().enumerate() {
                    ui.selectable_value(&mut state.selected, index, kind.label());
                }
            })
            .response
            .labelled_by(label.id);
        match &mut state.kinds[state.selected] {
            JobKind::Demo(demo) => params_ui(ui, demo),
            JobKind::Command(_) => command_ui(ui, state, picking, commands),
        }
    });
}

fn buttons_ui(ui: &mut Ui, state: &ToolbarState, paused: bool, commands: &mut Vec<Command>) {
    let start = ui.button("Start job").on_hover_text(format!(
        "Start a {} job with these parameters ({})",
        state.selected().label(),
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
        .on_hover_text(format!(
            "Load a TOML job file and start its jobs, or drop one on the window ({})",
            ui.ctx().format_shortcut(&OPEN_SHORTCUT)
        ))
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

/// The Command kind's command line and working directory, with a button
/// for the desktop's folder dialog; `picking` while one is open.
fn command_ui(ui: &mut Ui, state: &mut ToolbarState, picking: bool, commands: &mut Vec<Command>) {
    let label = ui.label("Command line");
    ui.add(egui::TextEdit::singleline(&mut state.command_line).desired_width(260.0))
        .labelled_by(label.id)
        .on_hover_text("Split like a shell would; no shell runs it");
    let label = ui.label("Working directory");
    let dir = state.command_dir();
    let shown = dir.display().to_string();
    let relative = !Path::new(state.command_cwd.trim()).is_absolute();
    let hint = if state.command_cwd.trim().is_empty() {
        shown.clone()
    } else {
        String::new()
    };
    let home = state.home.display();
    ui.add(
        egui::TextEdit::singleline(&mut state.command_cwd)
            .desired_width(160.0)
            .hint_text(hint),
    )
    .labelled_by(label.id)
    .on_hover_text(format!(
        "The command runs in {shown} (a relative path is relative to {home})"
    ));
    // What a relative path stands for, where the person looks.
    if relative && !state.command_cwd.trim().is_empty() {
        ui.weak(format!("= {shown}"))
            .on_hover_text(format!("relative to {home}"));
    }
    if !dir.is_dir() {
        ui.colored_label(ui.visuals().warn_fg_color, "no such folder");
    }
    let choose = ui
        .add_enabled(!picking, egui::Button::new("Choose…"))
        .on_hover_text("Choose the working directory in the desktop's folder dialog")
        .on_disabled_hover_text("A file dialog is open");
    if choose.clicked() {
        commands.push(Command::PickFile(PickWhat::Directory));
    }
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
fn params_ui(ui: &mut Ui, demo: &mut DemoJob) {
    match demo {
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
