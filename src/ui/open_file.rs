//! The Open job file window: the desktop's file dialog (Browse…), and a
//! path entry drawn by egui itself, which works where no dialog can be had
//! (no desktop portal, no zenity). A typed relative path is taken from the
//! home folder, and the window says so.

use std::path::Path;

use egui::Ui;

use super::Command;
use crate::desktop::file_dialog::{PickWhat, resolve_typed};

/// What the window shows: the typed path and the last file's error.
#[derive(Clone, Debug, Default)]
pub struct OpenFileState {
    /// The path as typed.
    pub path: String,
    /// Why the last file could not be loaded (`file:line:column: ...`).
    pub error: Option<String>,
    /// What became of the file dialog, when it did not give a file ("no
    /// file dialog here: ...").
    pub dialog_note: Option<String>,
    /// Whether the path entry got the keyboard focus once already.
    focused: bool,
}

/// Draws the window's contents: `home` is where typed relative paths
/// start, `picking` whether a file dialog is open.
pub(crate) fn open_file_ui(
    ui: &mut Ui,
    state: &mut OpenFileState,
    home: &Path,
    picking: bool,
    commands: &mut Vec<Command>,
) {
    ui.label("A TOML job file: its jobs start at once. You can also drop a file on the window.");
    let label = ui.label("Job file path");
    let entry = ui
        .horizontal(|ui| {
            let entry = ui
                .add(
                    egui::TextEdit::singleline(&mut state.path)
                        .desired_width(340.0)
                        .hint_text("jobs.toml"),
                )
                .labelled_by(label.id);
            let browse = ui
                .add_enabled(!picking, egui::Button::new("Browse…"))
                .on_hover_text("Choose the file in the desktop's file dialog")
                .on_disabled_hover_text("The file dialog is open");
            if browse.clicked() {
                commands.push(Command::PickFile(PickWhat::JobFile));
            }
            entry
        })
        .inner;
    if picking {
        ui.weak("Waiting for the file dialog… (or type the path)");
    } else if let Some(note) = &state.dialog_note {
        ui.colored_label(ui.visuals().warn_fg_color, note);
    }
    if !state.focused {
        // Opening the window means typing a path next (or browsing).
        entry.request_focus();
        state.focused = true;
    }
    let typed = state.path.trim();
    let path = (!typed.is_empty()).then(|| resolve_typed(typed, home));
    match &path {
        Some(path) if !Path::new(typed).is_absolute() => {
            ui.weak(format!(
                "Opens {} (relative to {})",
                path.display(),
                home.display()
            ));
        }
        Some(_) => {}
        None => {
            ui.weak(format!("A relative path is relative to {}", home.display()));
        }
    }
    let entered = entry.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
    ui.horizontal(|ui| {
        let open = ui.add_enabled(path.is_some(), egui::Button::new("Open"));
        if let Some(path) = path.filter(|_| open.clicked() || entered) {
            commands.push(Command::OpenJobFile(path));
        }
        if ui.button("Cancel").clicked() {
            commands.push(Command::ShowOpenFile(false));
        }
    });
    if let Some(error) = &state.error {
        ui.colored_label(ui.visuals().error_fg_color, error);
    }
}
