//! The job table (one row per job, virtualised).

use std::time::{Duration, Instant};

use egui::{Align, Layout, ProgressBar, RichText, Role, Ui, Vec2, WidgetInfo};

use super::Command;
use super::style::{format_duration, job_colour, state_colour};
use crate::board::{Board, JobView, StateClass};
use crate::engine::JobId;

const ROW_HEIGHT: f32 = 22.0;
const NAME_WIDTH: f32 = 190.0;
const STATE_WIDTH: f32 = 130.0;
const PROGRESS_WIDTH: f32 = 170.0;
const WHERE_WIDTH: f32 = 100.0;
const ELAPSED_WIDTH: f32 = 70.0;

/// The job table. Only the visible rows are laid out, so 10,000 jobs scroll
/// as smoothly as ten.
pub(crate) fn table_ui(
    ui: &mut Ui,
    board: &Board,
    selected: Option<JobId>,
    scroll_to_selected: bool,
    now: Instant,
    commands: &mut Vec<Command>,
) {
    // Sideways as a whole, header and rows together, so that every column
    // (and each row's buttons) can be reached when panels leave the table
    // less room than its columns take.
    egui::ScrollArea::horizontal()
        .auto_shrink(false)
        .show(ui, |ui| {
            rows_ui(ui, board, selected, scroll_to_selected, now, commands);
        });
}

fn rows_ui(
    ui: &mut Ui,
    board: &Board,
    selected: Option<JobId>,
    scroll_to_selected: bool,
    now: Instant,
    commands: &mut Vec<Command>,
) {
    header_ui(ui);
    ui.separator();
    let jobs = board.jobs();
    if jobs.is_empty() {
        ui.weak("No jobs yet: choose a kind and press Start job.");
        return;
    }
    egui::ScrollArea::vertical().auto_shrink(false).show_rows(
        ui,
        ROW_HEIGHT,
        jobs.len(),
        |ui, rows| {
            if scroll_to_selected {
                // The keyboard moved the selection: bring its row into view,
                // wherever it is (rows off screen are not laid out).
                let index = selected.and_then(|id| jobs.iter().position(|job| job.id == id));
                if let Some(index) = index {
                    let row = ROW_HEIGHT + ui.spacing().item_spacing.y;
                    #[allow(clippy::cast_precision_loss)]
                    let offset = (index as f32 - rows.start as f32) * row;
                    let top = ui.cursor().top() + offset;
                    let rect = egui::Rect::from_min_size(
                        egui::pos2(ui.min_rect().left(), top),
                        Vec2::new(1.0, ROW_HEIGHT),
                    );
                    ui.scroll_to_rect(rect, None);
                }
            }
            for job in &jobs[rows] {
                row_ui(ui, job, selected == Some(job.id), now, commands);
            }
        },
    );
}

fn cell_ui(ui: &mut Ui, width: f32, add: impl FnOnce(&mut Ui)) {
    ui.allocate_ui_with_layout(
        Vec2::new(width, ROW_HEIGHT),
        Layout::left_to_right(Align::Center),
        |ui| {
            ui.set_width(width);
            add(ui);
        },
    );
}

fn header_ui(ui: &mut Ui) {
    ui.horizontal(|ui| {
        for (title, width) in [
            ("Name", NAME_WIDTH),
            ("State", STATE_WIDTH),
            ("Progress", PROGRESS_WIDTH),
            ("Where", WHERE_WIDTH),
            ("Elapsed", ELAPSED_WIDTH),
        ] {
            cell_ui(ui, width, |ui| {
                ui.strong(title);
            });
        }
    });
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

fn row_ui(
    ui: &mut Ui,
    job: &JobView,
    is_selected: bool,
    now: Instant,
    commands: &mut Vec<Command>,
) {
    ui.horizontal(|ui| {
        ui.set_height(ROW_HEIGHT);
        cell_ui(ui, NAME_WIDTH, |ui| {
            let (swatch, _) = ui.allocate_exact_size(Vec2::splat(10.0), egui::Sense::hover());
            ui.painter().rect_filled(swatch, 2.0, job_colour(job.seq));
            let name = ui
                .selectable_label(is_selected, job.name())
                .on_hover_text(format!("{} · {}", job.spec.summary(), job.id));
            if name.clicked() {
                commands.push(Command::Select((!is_selected).then_some(job.id)));
            }
        });
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
        if class.is_ended() {
            if row_button_ui(
                ui,
                "Retry",
                job.name(),
                "Run it again (R on the selected row)",
            ) {
                commands.push(Command::Retry(job.id));
            }
            if row_button_ui(ui, "Remove", job.name(), "Forget this row") {
                commands.push(Command::Remove(job.id));
            }
        } else {
            let (action, hint) = if class == StateClass::Queued {
                (
                    "Cancel",
                    "Cancel it before it starts (Delete on the selected row)",
                )
            } else {
                ("Stop", "Ask it to stop (Delete on the selected row)")
            };
            if row_button_ui(ui, action, job.name(), hint) {
                commands.push(Command::Stop(job.id));
            }
        }
    });
}

/// A small row button that says "Stop" on screen and "Stop walk 1" to a
/// screen reader, which cannot see which row it sits in. Returns whether it
/// was clicked.
fn row_button_ui(ui: &mut Ui, action: &str, job_name: &str, hint: &str) -> bool {
    let response = ui.small_button(action).on_hover_text(hint);
    let label = format!("{action} {job_name}");
    response.widget_info(|| WidgetInfo::labeled(Role::Button, true, &label));
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
