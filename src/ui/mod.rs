//! The egui/eframe window.

use std::path::PathBuf;

/// Opens the window (with `job_file` loaded, if given) and returns when it
/// closes.
///
/// # Errors
/// When no window can be created (no display, no graphics driver).
pub fn run(job_file: Option<PathBuf>) -> anyhow::Result<()> {
    drop(job_file);
    eframe::run_ui_native("jobdeck", eframe::NativeOptions::default(), |ui, _frame| {
        ui.heading("jobdeck");
    })
    .map_err(|err| anyhow::anyhow!("could not open the window: {err}"))
}
