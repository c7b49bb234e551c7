//! The egui/eframe window. It holds no threads of its own: the engine's pool
//! does the work and wakes the window when something happens.

mod app;
mod commands;
mod details;
mod history;
mod log_view;
mod natural;
mod open_file;
mod overall;
mod plot_legend;
mod plots;
mod recorded;
mod renderer;
mod repaint;
mod settings;
mod style;
mod table;
mod title;
mod toolbar;
mod workers;

use std::path::{Path, PathBuf};

pub use app::{App, EVENT_BUDGET};
pub use commands::Command;
pub use history::{HistoryView, RUNS_SHOWN};
pub use log_view::{FIND_SHORTCUT, LogView};
pub use open_file::OpenFileState;
pub use plots::{MAX_PLOTTED_LINES, PLOT_POINT_BUDGET, PlotState};
pub use renderer::RENDERER_ENV;
pub use repaint::{CHANGE_FRAMES_PER_SEC, CLOCK_TICK, FRAME_LOG_ENV, UPDATE_INTERVAL};
pub use settings::{SETTINGS_KEY, Settings, Theme, available_parallelism};
pub use table::{Filter, Sort, SortKey, StateSet, TableState};
pub use toolbar::{OPEN_SHORTCUT, START_SHORTCUT, STOP_ALL_SHORTCUT, ToolbarState};
pub use workers::{WORKER_WINDOWS_SECS, WorkersState};

/// The window icon (also installed by `jobdeck install-desktop`).
const ICON_PNG: &[u8] = include_bytes!("../../assets/jobdeck.png");

/// Opens the window (with `job_file` loaded, if given) and returns when it
/// closes; by then every job has stopped and every thread has joined.
///
/// The renderer is glow, or wgpu where glow cannot draw (see
/// [`RENDERER_ENV`] to put wgpu first).
///
/// # Errors
/// When no window can be created (no display, no graphics driver).
pub fn run(job_file: Option<&Path>) -> anyhow::Result<()> {
    let choice = std::env::var_os(RENDERER_ENV);
    let (renderers, warning) =
        renderer::attempts(choice.as_deref().map(|c| c.to_string_lossy()).as_deref());
    if let Some(warning) = warning {
        eprintln!("jobdeck: {warning}");
    }
    let mut failures = Vec::new();
    for renderer in renderers {
        if let Some(failure) = failures.last() {
            eprintln!("jobdeck: {failure}; trying {renderer}");
        }
        let app = creator(job_file.map(Path::to_path_buf));
        match eframe::run_native("jobdeck", native_options(renderer), app) {
            Ok(()) => return Ok(()),
            Err(err) if renderer::is_renderer_failure(&err) => {
                failures.push(format!("the {renderer} renderer cannot draw here: {err}"));
            }
            Err(err) => return Err(anyhow::anyhow!("could not open the window: {err}")),
        }
    }
    Err(anyhow::anyhow!(
        "could not open the window: {}",
        failures.join("; ")
    ))
}

fn native_options(renderer: eframe::Renderer) -> eframe::NativeOptions {
    let mut viewport = egui::ViewportBuilder::default();
    // The icon is compiled in, so the window has it wherever the binary goes.
    match eframe::icon_data::from_png_bytes(ICON_PNG) {
        Ok(icon) => viewport = viewport.with_icon(icon),
        Err(err) => eprintln!("jobdeck: window icon not used: {err}"),
    }
    eframe::NativeOptions {
        viewport: viewport
            .with_title("jobdeck")
            .with_app_id("jobdeck")
            .with_inner_size([1280.0, 800.0])
            .with_min_inner_size([640.0, 400.0]),
        renderer,
        ..Default::default()
    }
}

/// Builds the app once the window has a renderer.
fn creator<'a>(job_file: Option<PathBuf>) -> eframe::AppCreator<'a> {
    Box::new(|cc| {
        let app = App::from_storage(cc.storage);
        let keep = app.settings().keep_history;
        let mut app = app.with_history(crate::history::History::open_default(keep));
        match crate::desktop::notify::DesktopNotifier::start() {
            Ok(notifier) => app = app.with_notifier(Box::new(notifier)),
            Err(err) => eprintln!("jobdeck: no desktop notifications: {err}"),
        }
        if let Some(path) = job_file {
            app.push_command(Command::OpenJobFile(path));
        }
        cc.egui_ctx.set_theme(app.settings().theme.preference());
        renderer::paint_panels_by_clearing(&cc.egui_ctx);
        Ok(Box::new(app))
    })
}
