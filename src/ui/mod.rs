//! The egui/eframe window. It holds no threads of its own: the engine's pool
//! does the work and wakes the window when something happens.

mod app;
mod commands;
mod details;
mod log_view;
mod open_file;
mod plots;
mod settings;
mod style;
mod table;
mod toolbar;

use std::path::PathBuf;

pub use app::{App, EVENT_BUDGET};
pub use commands::Command;
pub use log_view::{FIND_SHORTCUT, LogView};
pub use open_file::OpenFileState;
pub use plots::{MAX_PLOTTED_LINES, PLOT_POINT_BUDGET, PlotState};
pub use settings::{SETTINGS_KEY, Settings, Theme, available_parallelism};
pub use toolbar::{START_SHORTCUT, STOP_ALL_SHORTCUT, ToolbarState};

/// The window icon (also installed by `jobdeck install-desktop`).
const ICON_PNG: &[u8] = include_bytes!("../../assets/jobdeck.png");

/// Opens the window (with `job_file` loaded, if given) and returns when it
/// closes; by then every job has stopped and every thread has joined.
///
/// # Errors
/// When no window can be created (no display, no graphics driver).
pub fn run(job_file: Option<PathBuf>) -> anyhow::Result<()> {
    let mut viewport = egui::ViewportBuilder::default();
    // The icon is compiled in, so the window has it wherever the binary goes.
    match eframe::icon_data::from_png_bytes(ICON_PNG) {
        Ok(icon) => viewport = viewport.with_icon(icon),
        Err(err) => eprintln!("jobdeck: window icon not used: {err}"),
    }
    let options = eframe::NativeOptions {
        viewport: viewport
            .with_title("jobdeck")
            .with_app_id("jobdeck")
            .with_inner_size([1280.0, 800.0])
            .with_min_inner_size([640.0, 400.0]),
        ..Default::default()
    };
    eframe::run_native(
        "jobdeck",
        options,
        Box::new(|cc| {
            let mut app = App::from_storage(cc.storage);
            if let Some(path) = job_file {
                app.push_command(Command::OpenJobFile(path));
            }
            cc.egui_ctx.set_theme(app.settings().theme.preference());
            Ok(Box::new(app))
        }),
    )
    .map_err(|err| anyhow::anyhow!("could not open the window: {err}"))
}
