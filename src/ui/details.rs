//! Details of the selected job: what it is, how it ended, and its log
//! (see `log_view/`).

use std::path::Path;
use std::time::Instant;

use egui::{RichText, Ui};

use super::Command;
use super::log_view::{LogView, log_view_ui};
use super::style::{format_duration, state_colour};
use crate::board::{JobView, Lifecycle};
use crate::engine::Placement;
use crate::jobspec::JobKind;

/// Draws the details of `job`, or a hint when nothing is selected, with
/// its log as `log_view` shows it.
pub(crate) fn details_ui(
    ui: &mut Ui,
    job: Option<&JobView>,
    log_view: Option<&mut LogView>,
    now: Instant,
    commands: &mut Vec<Command>,
) {
    ui.heading("Details");
    let Some(job) = job else {
        ui.weak("Click a job's name to see its log and result.");
        return;
    };
    egui::Grid::new("details grid")
        .num_columns(2)
        .show(ui, |ui| {
            ui.label("Name");
            ui.label(job.name());
            ui.end_row();
            ui.label("Kind");
            ui.label(job.spec.kind.label());
            ui.end_row();
            if let JobKind::Command(command) = &job.spec.kind {
                // The directory it runs in, as an absolute path: a relative
                // one (or none) is relative to jobdeck's own directory.
                let dir = command.cwd.as_deref().unwrap_or(Path::new("."));
                let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
                ui.label("Directory");
                ui.label(dir.display().to_string());
                ui.end_row();
            }
            ui.label("Id");
            ui.label(RichText::new(job.id.short()).monospace())
                .on_hover_text(job.id.to_string());
            ui.end_row();
            ui.label("State");
            let class = job.lifecycle.class();
            ui.label(RichText::new(class.label()).color(state_colour(class, ui.visuals())));
            ui.end_row();
            ui.label("Attempt");
            ui.label(job.attempt.to_string());
            ui.end_row();
            if let Some(worker) = job.worker {
                ui.label("Worker");
                ui.label(format!("#{worker}"));
                ui.end_row();
            }
            if let Some(elapsed) = job.lifecycle.elapsed(now) {
                ui.label("Elapsed");
                ui.label(format_duration(elapsed));
                ui.end_row();
            }
            if let Some(placement) = &job.placement {
                placement_rows_ui(ui, placement, job.lifecycle.is_ended());
            }
        });
    ui.separator();
    outcome_ui(ui, job);
    ui.separator();
    if let Some(view) = log_view {
        log_view_ui(ui, view, job, commands);
    }
}

/// Where a remote job runs, and why it cannot be paused.
fn placement_rows_ui(ui: &mut Ui, placement: &Placement, is_ended: bool) {
    ui.label("Runs on");
    ui.label(placement.to_string());
    ui.end_row();
    if !is_ended {
        ui.label("Pause");
        ui.label(format!(
            "not offered: {} runs it, and jobdeck holds none of its processes to pause (the \
             toolbar's Pause still holds jobs that have not started)",
            placement.executor
        ));
        ui.end_row();
    }
}

fn outcome_ui(ui: &mut Ui, job: &JobView) {
    let error_colour = ui.visuals().error_fg_color;
    match &job.lifecycle {
        Lifecycle::Succeeded { output, .. } => {
            ui.label(RichText::new("Result").strong());
            ui.label(&output.summary);
            if let Some(code) = output.exit_code {
                ui.label(format!("exit code {code}"));
            }
        }
        Lifecycle::Failed {
            error, exit_code, ..
        } => {
            ui.label(RichText::new("Error").strong().color(error_colour));
            ui.label(RichText::new(error).color(error_colour));
            if let Some(code) = exit_code {
                ui.label(format!("exit code {code}"));
            }
        }
        Lifecycle::TimedOut { elapsed } => {
            ui.label(
                RichText::new(format!("Timed out after {}", format_duration(*elapsed)))
                    .color(error_colour),
            );
        }
        Lifecycle::Stopped { .. } => {
            ui.label("Stopped on request.");
        }
        Lifecycle::Cancelled => {
            ui.label("Cancelled before it started.");
        }
        Lifecycle::Skipped { because } => {
            ui.label(format!("Skipped: job {} did not succeed.", because.short()));
        }
        Lifecycle::Queued | Lifecycle::Running { .. } => {
            if let Some(error) = &job.last_retry_error {
                ui.label(
                    RichText::new(format!("Last attempt failed: {error}")).color(error_colour),
                );
            } else {
                ui.weak("No result yet.");
            }
        }
    }
}
