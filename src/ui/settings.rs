//! The settings a person can change, and the window that changes them.

use serde::{Deserialize, Serialize};

use super::Command;
use crate::engine::MAX_THREADS_RANGE;
use crate::history::Retention;

/// The key under which settings are kept in eframe's storage.
pub const SETTINGS_KEY: &str = "jobdeck.settings";

/// Light, dark, or whatever the system uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Theme {
    /// Follow the system.
    #[default]
    System,
    /// Dark background.
    Dark,
    /// Light background.
    Light,
}

impl Theme {
    const ALL: [Self; 3] = [Self::System, Self::Dark, Self::Light];

    fn label(self) -> &'static str {
        match self {
            Self::System => "System",
            Self::Dark => "Dark",
            Self::Light => "Light",
        }
    }

    /// The egui preference this stands for.
    #[must_use]
    pub fn preference(self) -> egui::ThemePreference {
        match self {
            Self::System => egui::ThemePreference::System,
            Self::Dark => egui::ThemePreference::Dark,
            Self::Light => egui::ThemePreference::Light,
        }
    }
}

/// Everything in the Settings window; persisted across launches.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The cap on jobs running at once (1..=1024).
    pub max_threads: usize,
    /// For command jobs: how long after SIGTERM a process group gets SIGKILL.
    pub stop_grace_secs: f64,
    /// Colours of the window.
    pub theme: Theme,
    /// Which past runs the history keeps (see [`Retention`]).
    pub keep_history: Retention,
    /// Whether a desktop notification says how each batch ended.
    pub notify_batch_end: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            max_threads: available_parallelism(),
            stop_grace_secs: 5.0,
            theme: Theme::System,
            keep_history: Retention::default(),
            notify_batch_end: true,
        }
    }
}

impl Settings {
    /// The same settings with every value in its valid range.
    #[must_use]
    pub fn clamped(mut self) -> Self {
        self.max_threads = self
            .max_threads
            .clamp(*MAX_THREADS_RANGE.start(), *MAX_THREADS_RANGE.end());
        self.stop_grace_secs = if self.stop_grace_secs.is_finite() {
            self.stop_grace_secs.clamp(0.0, 600.0)
        } else {
            5.0
        };
        self
    }
}

/// "the last [N] runs" or "the last [N] days".
fn keep_history_ui(ui: &mut egui::Ui, keep: &mut Retention, label: egui::Id) {
    ui.horizontal(|ui| {
        let (mut count, by_days) = match *keep {
            Retention::Runs(n) => (n, false),
            Retention::Days(n) => (n, true),
        };
        ui.label("the last");
        ui.add(egui::DragValue::new(&mut count).range(1..=1_000_000))
            .labelled_by(label)
            .on_hover_text("Older runs are forgotten when jobdeck starts, or on Prune.");
        let mut days = by_days;
        egui::ComboBox::from_id_salt("keep history by")
            .selected_text(if days { "days" } else { "runs" })
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut days, false, "runs");
                ui.selectable_value(&mut days, true, "days");
            })
            .response
            .labelled_by(label);
        *keep = if days {
            Retention::Days(count)
        } else {
            Retention::Runs(count)
        };
    });
}

/// How many threads this machine runs at once (1 if it cannot tell).
#[must_use]
pub fn available_parallelism() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// The Settings window's contents. Edits a copy and asks for it to be
/// applied, so a change takes effect at once without the view touching the
/// pool.
/// `notify_trouble` says why notifications are not shown, once known.
pub(crate) fn settings_ui(
    ui: &mut egui::Ui,
    current: &Settings,
    notify_trouble: Option<&str>,
    commands: &mut Vec<Command>,
) {
    let mut edited = current.clone();
    egui::Grid::new("settings grid")
        .num_columns(2)
        .spacing([12.0, 8.0])
        .show(ui, |ui| {
            let label = ui.label("Max threads");
            ui.horizontal(|ui| {
                ui.add(
                    egui::DragValue::new(&mut edited.max_threads)
                        .range(MAX_THREADS_RANGE)
                        .speed(0.1),
                )
                .labelled_by(label.id)
                .on_hover_text("How many jobs run at once; applies immediately.");
                ui.weak(format!("this machine: {}", available_parallelism()));
            });
            ui.end_row();

            let label = ui.label("Stop grace period");
            ui.add(
                egui::DragValue::new(&mut edited.stop_grace_secs)
                    .range(0.0..=600.0)
                    .speed(0.1)
                    .suffix(" s"),
            )
            .labelled_by(label.id)
            .on_hover_text("For command jobs: time between SIGTERM and SIGKILL.");
            ui.end_row();

            let label = ui.label("Theme");
            egui::ComboBox::from_id_salt("theme")
                .selected_text(edited.theme.label())
                .show_ui(ui, |ui| {
                    for theme in Theme::ALL {
                        ui.selectable_value(&mut edited.theme, theme, theme.label());
                    }
                })
                .response
                .labelled_by(label.id);
            ui.end_row();

            let label = ui.label("Keep history");
            keep_history_ui(ui, &mut edited.keep_history, label.id);
            ui.end_row();

            ui.label("Notifications");
            ui.vertical(|ui| {
                ui.checkbox(&mut edited.notify_batch_end, "Notify when a batch ends")
                    .on_hover_text(
                        "A desktop notification says how each batch ended, \
                         for when jobdeck is not in front.",
                    );
                if let Some(trouble) = notify_trouble.filter(|_| edited.notify_batch_end) {
                    ui.colored_label(ui.visuals().warn_fg_color, trouble);
                }
            });
            ui.end_row();
        });
    if edited != *current {
        commands.push(Command::ApplySettings(edited.clamped()));
    }
}
