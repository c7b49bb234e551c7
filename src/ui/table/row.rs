//! One row of the job table: its cells and the actions on its job.

use std::time::{Duration, Instant};

use egui::{Align, Layout, ProgressBar, RichText, Role, Ui, Vec2, WidgetInfo};

use super::super::Command;
use super::super::style::{format_duration, job_colour, state_colour};
use super::{ELAPSED_WIDTH, NAME_WIDTH, PRIORITY_WIDTH, PROGRESS_WIDTH, ROW_HEIGHT};
use super::{STATE_WIDTH, WHERE_WIDTH};
use crate::board::{JobView, StateClass};

/// The key that pauses or resumes the selected row's job.
pub(crate) const PAUSE_KEY: egui::Key = egui::Key::P;
/// The keys that raise and lower the selected queued job's priority.
pub(crate) const RAISE_KEY: egui::Key = egui::Key::Plus;
pub(crate) const LOWER_KEY: egui::Key = egui::Key::Minus;

/// A cell of a fixed width, so that every row's columns line up whatever
/// their contents.
pub(super) fn cell_ui(ui: &mut Ui, width: f32, add: impl FnOnce(&mut Ui)) {
    ui.allocate_ui_with_layout(
        Vec2::new(width, ROW_HEIGHT),
        Layout::left_to_right(Align::Center),
        |ui| {
            ui.set_width(width);
            add(ui);
        },
    );
}

fn state_text(job: &JobView, now: Instant) -> String {
    let class = job.lifecycle.class();
    // A live remote job is in flight for the engine; what a person wants is
    // the cluster's word for it: pending, running, completing.
    let label = match &job.placement {
        Some(placement) if class == StateClass::Running => placement.state.to_lowercase(),
        _ => class.label().to_owned(),
    };
    match job.lifecycle.stopping_for(now) {
        Some(waited) => format!("stopping ({})", clock_text(waited)),
        None if job.attempt > 1 && !class.is_ended() => format!("{label} (try {})", job.attempt),
        None => label,
    }
}

/// Where the job runs: its worker (`#3`), or its cluster and the cluster's
/// id for it (`Slurm 123`), with the cluster's whole word on it on hover.
fn where_ui(ui: &mut Ui, job: &JobView) {
    // The worker is kept after the job ends, so a row says where it ran.
    if let Some(worker) = job.worker {
        ui.label(format!("#{worker}"));
    } else if let Some(placement) = &job.placement {
        let text = match &placement.remote_id {
            Some(id) => format!("{} {id}", placement.executor),
            None => placement.executor.clone(),
        };
        ui.label(text).on_hover_text(placement.to_string());
    }
}

/// A clock that is still running: whole seconds, as the window redraws it
/// once a second (an ended job's time keeps its tenths).
fn clock_text(elapsed: Duration) -> String {
    let secs = elapsed.as_secs();
    if secs < 60 {
        format!("{secs} s")
    } else {
        format_duration(Duration::from_secs(secs))
    }
}

/// The job's name, cut with an ellipsis where it would push the other
/// columns out of line; the whole of it shows on hover.
fn name_ui(ui: &mut Ui, job: &JobView, is_selected: bool, commands: &mut Vec<Command>) {
    let (swatch, _) = ui.allocate_exact_size(Vec2::splat(10.0), egui::Sense::hover());
    ui.painter().rect_filled(swatch, 2.0, job_colour(job.seq));
    let name = ui
        .add(egui::Button::selectable(is_selected, job.name()).truncate())
        .on_hover_text(format!(
            "{}\n{} · {}",
            job.name(),
            job.spec.summary(),
            job.id
        ));
    if name.clicked() {
        commands.push(Command::Select((!is_selected).then_some(job.id)));
    }
}

pub(super) fn row_ui(
    ui: &mut Ui,
    job: &JobView,
    is_selected: bool,
    now: Instant,
    commands: &mut Vec<Command>,
) {
    ui.horizontal(|ui| {
        ui.set_height(ROW_HEIGHT);
        cell_ui(ui, NAME_WIDTH, |ui| name_ui(ui, job, is_selected, commands));
        let class = job.lifecycle.class();
        cell_ui(ui, STATE_WIDTH, |ui| {
            ui.label(RichText::new(state_text(job, now)).color(state_colour(class, ui.visuals())));
        });
        cell_ui(ui, PROGRESS_WIDTH, |ui| {
            let bar = ui.add(
                ProgressBar::new(job.progress)
                    .desired_width(PROGRESS_WIDTH - 10.0)
                    .desired_height(ROW_HEIGHT - 6.0)
                    .show_percentage(),
            );
            let name = format!("Progress of {}", job.name());
            let value = f64::from(job.progress) * 100.0;
            bar.widget_info(|| {
                let mut info = WidgetInfo::labeled(Role::ProgressIndicator, true, &name);
                info.value = Some(value);
                info
            });
        });
        cell_ui(ui, WHERE_WIDTH, |ui| where_ui(ui, job));
        cell_ui(ui, ELAPSED_WIDTH, |ui| {
            if let Some(elapsed) = job.lifecycle.elapsed(now) {
                ui.label(if class.is_ended() {
                    format_duration(elapsed)
                } else {
                    clock_text(elapsed)
                });
            }
        });
        cell_ui(ui, PRIORITY_WIDTH, |ui| priority_ui(ui, job, commands));
        actions_ui(ui, job, commands);
    });
}

/// The job's priority; a queued job's can be raised or lowered.
fn priority_ui(ui: &mut Ui, job: &JobView, commands: &mut Vec<Command>) {
    if job.lifecycle.class() != StateClass::Queued {
        ui.weak(job.priority.to_string());
        return;
    }
    if row_button_ui(
        ui,
        "−",
        &format!("Lower priority of {}", job.name()),
        "Start it later: lower its priority (- on the selected row)",
    ) {
        commands.push(Command::SetPriority(job.id, job.priority.saturating_sub(1)));
    }
    ui.label(job.priority.to_string());
    if row_button_ui(
        ui,
        "+",
        &format!("Raise priority of {}", job.name()),
        "Start it sooner: raise its priority; higher starts first (+ on the selected row)",
    ) {
        commands.push(Command::SetPriority(job.id, job.priority.saturating_add(1)));
    }
}

/// What can be done to the job now: Cancel a queued one; Pause or Resume
/// and Stop a running one; Retry or Remove an ended one.
fn actions_ui(ui: &mut Ui, job: &JobView, commands: &mut Vec<Command>) {
    let name = job.name();
    let act = |ui: &mut Ui, action: &str, hint: &str| {
        row_button_ui(ui, action, &format!("{action} {name}"), hint)
    };
    match job.lifecycle.class() {
        class if class.is_ended() => {
            if act(ui, "Retry", "Run it again (R on the selected row)") {
                commands.push(Command::Retry(job.id));
            }
            if act(ui, "Remove", "Forget this row") {
                commands.push(Command::Remove(job.id));
            }
        }
        StateClass::Queued => {
            let hint = "Cancel it before it starts (Delete on the selected row)";
            if act(ui, "Cancel", hint) {
                commands.push(Command::Stop(job.id));
            }
        }
        class => {
            let toggle = match class {
                StateClass::Running => Some((
                    "Pause",
                    "Hold it: a job pauses at its next checkpoint, a command's \
                     processes are stopped (P on the selected row)",
                )),
                StateClass::Paused => Some(("Resume", "Let it go on (P on the selected row)")),
                _ => None,
            };
            if let Some((action, hint)) = toggle
                && act(ui, action, hint)
            {
                commands.push(Command::PauseJob(job.id, class == StateClass::Running));
            }
            if act(ui, "Stop", "Ask it to stop (Delete on the selected row)") {
                commands.push(Command::Stop(job.id));
            }
        }
    }
}

/// A small row button that says "Stop" on screen and "Stop walk 1" to a
/// screen reader, which cannot see which row it sits in. Returns whether it
/// was clicked.
fn row_button_ui(ui: &mut Ui, text: &str, label: &str, hint: &str) -> bool {
    let response = ui.small_button(text).on_hover_text(hint);
    response.widget_info(|| WidgetInfo::labeled(Role::Button, true, label));
    response.clicked()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_clocks_show_whole_seconds() {
        assert_eq!(clock_text(Duration::from_millis(999)), "0 s");
        assert_eq!(clock_text(Duration::from_millis(12_700)), "12 s");
        assert_eq!(clock_text(Duration::from_millis(75_500)), "1:15");
    }
}
