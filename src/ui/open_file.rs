//! The Open job file window: a path entry drawn by egui itself, so it works
//! without a desktop portal or a native dialog.

use std::path::PathBuf;

use egui::Ui;

use super::Command;

/// What the window shows: the typed path and the last file's error.
#[derive(Clone, Debug, Default)]
pub struct OpenFileState {
    /// The path as typed.
    pub path: String,
    /// Why the last file could not be loaded (`file:line:column: ...`).
    pub error: Option<String>,
    /// Whether the path entry got the keyboard focus once already.
    focused: bool,
}

/// Draws the window's contents.
pub(crate) fn open_file_ui(ui: &mut Ui, state: &mut OpenFileState, commands: &mut Vec<Command>) {
    ui.label("A TOML job file: its jobs start at once. You can also drop a file on the window.");
    let label = ui.label("Job file path");
    let entry = ui
        .add(
            egui::TextEdit::singleline(&mut state.path)
                .desired_width(420.0)
                .hint_text("jobs.toml"),
        )
        .labelled_by(label.id);
    if !state.focused {
        // Opening the window means typing a path next.
        entry.request_focus();
        state.focused = true;
    }
    let entered = entry.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
    ui.horizontal(|ui| {
        let path = state.path.trim();
        let open = ui.add_enabled(!path.is_empty(), egui::Button::new("Open"));
        if (open.clicked() || entered) && !path.is_empty() {
            commands.push(Command::OpenJobFile(PathBuf::from(path)));
        }
        if ui.button("Cancel").clicked() {
            commands.push(Command::ShowOpenFile(false));
        }
    });
    if let Some(error) = &state.error {
        ui.colored_label(ui.visuals().error_fg_color, error);
    }
}
