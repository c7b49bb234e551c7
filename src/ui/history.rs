//! Past runs in the window: the history's runs from before this window
//! opened, each with its jobs (state, exit code, time, log file), apart
//! from the current batch (which is the job table's). From here a person
//! retries one job of a past run, or every failed one at once, and prunes
//! or clears the history.
//!
//! The runs are read once when the window opens (they do not change while
//! it runs, but for a prune or a clear); a run's jobs are read when it is
//! first expanded, and drawn virtualised, so a run of 100,000 jobs costs
//! only the rows on screen.

use std::collections::HashMap;

use egui::accesskit::Role;
use egui::{RichText, Ui, WidgetInfo};

use super::Command;
use crate::history::{History, JobRecord, JobState, RunEnd, RunId, RunRecord};

/// How many past runs the panel lists.
pub const RUNS_SHOWN: usize = 200;

/// Height of one job row.
const ROW_HEIGHT: f32 = 20.0;

/// What the panel shows.
#[derive(Default)]
pub struct HistoryView {
    /// Past runs, newest first.
    runs: Vec<RunRecord>,
    /// Jobs of the runs expanded so far.
    jobs: HashMap<RunId, Vec<JobRecord>>,
    /// Said once: a file moved aside, crash recovery, a failed read.
    pub(crate) notices: Vec<String>,
    /// Why history is not being saved, if it is not.
    pub(crate) problem: Option<String>,
    /// Jobs of crashed runs queued again, waiting for Resume.
    pub(crate) recovered: Option<String>,
}

impl HistoryView {
    /// Whether the panel has anything to show: past runs, or something to
    /// say about the history. An empty panel would only take the job
    /// table's room.
    #[must_use]
    pub fn has_content(&self) -> bool {
        !self.runs.is_empty()
            || !self.notices.is_empty()
            || self.problem.is_some()
            || self.recovered.is_some()
    }

    /// Reads the runs that exist now (before this window's own).
    pub(crate) fn load(&mut self, history: &History) {
        self.jobs.clear();
        match history.runs(RUNS_SHOWN) {
            Ok(runs) => self.runs = runs,
            Err(error) => self
                .notices
                .push(format!("cannot read the history: {error}")),
        }
        // The newest run is shown open: read its jobs now.
        if let Some(id) = self.runs.first().map(|run| run.id) {
            self.load_jobs(history, id);
        }
    }

    /// Reads one run's jobs, unless read already.
    pub(crate) fn load_jobs(&mut self, history: &History, run: RunId) {
        if self.jobs.contains_key(&run) {
            return;
        }
        match history.jobs(run) {
            Ok(jobs) => {
                self.jobs.insert(run, jobs);
            }
            Err(error) => self
                .notices
                .push(format!("cannot read the jobs of run {run}: {error}")),
        }
    }

    /// The past runs listed.
    #[must_use]
    pub fn runs(&self) -> &[RunRecord] {
        &self.runs
    }

    /// The jobs of a run read so far.
    #[must_use]
    pub fn jobs_of(&self, run: RunId) -> Option<&[JobRecord]> {
        self.jobs.get(&run).map(Vec::as_slice)
    }

    /// A job of a listed run, by its row.
    pub(crate) fn job(&self, row: i64) -> Option<&JobRecord> {
        self.jobs.values().flatten().find(|job| job.row == row)
    }

    /// The listed run with id `run`.
    pub(crate) fn run(&self, run: RunId) -> Option<&RunRecord> {
        self.runs.iter().find(|record| record.id == run)
    }
}

/// The panel: messages, the run list, and the expanded runs' jobs.
pub fn history_ui(ui: &mut Ui, view: &HistoryView, commands: &mut Vec<Command>) {
    ui.horizontal(|ui| {
        ui.heading("Past runs");
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui
                .small_button("Clear history")
                .on_hover_text("Forget every past run")
                .clicked()
            {
                commands.push(Command::ClearHistory);
            }
            if ui
                .small_button("Prune")
                .on_hover_text("Forget runs beyond what Settings keep")
                .clicked()
            {
                commands.push(Command::PruneHistory);
            }
        });
    });
    if let Some(problem) = &view.problem {
        ui.colored_label(ui.visuals().warn_fg_color, problem);
    }
    if let Some(recovered) = &view.recovered {
        ui.horizontal_wrapped(|ui| {
            ui.colored_label(ui.visuals().warn_fg_color, recovered);
            if ui.button("Resume queued jobs").clicked() {
                commands.push(Command::Resume);
            }
        });
    }
    for notice in &view.notices {
        ui.weak(notice);
    }
    ui.separator();
    if view.runs.is_empty() {
        ui.weak("No past runs yet: runs appear here after they end and jobdeck is reopened.");
        return;
    }
    egui::ScrollArea::vertical()
        .id_salt("past runs")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            for (index, run) in view.runs.iter().enumerate() {
                run_ui(ui, view, run, index == 0, commands);
            }
        });
}

fn run_ui(
    ui: &mut Ui,
    view: &HistoryView,
    run: &RunRecord,
    newest: bool,
    commands: &mut Vec<Command>,
) {
    let header = egui::CollapsingHeader::new(run_title(run))
        .id_salt(("past run", run.id.0))
        .default_open(newest)
        .show(ui, |ui| {
            ui.weak(run_detail(run));
            let failures = run.failures();
            if failures > 0 {
                let label = format!("Retry failed ({failures})");
                if ui
                    .button(label)
                    .on_hover_text("Run every failed, timed-out, stopped or interrupted job again")
                    .clicked()
                {
                    commands.push(Command::RetryFailed(run.id));
                }
            }
            if let Some(jobs) = view.jobs.get(&run.id) {
                jobs_ui(ui, run.id, jobs, commands);
            } else {
                ui.spinner();
                commands.push(Command::LoadRun(run.id));
            }
        });
    let _ = header;
}

/// "Run 12 · jobs.toml · 298 succeeded, 2 failed".
fn run_title(run: &RunRecord) -> String {
    let source = run.file.as_ref().map_or_else(
        || "window".to_owned(),
        |file| {
            file.file_name().map_or_else(
                || file.display().to_string(),
                |n| n.to_string_lossy().into(),
            )
        },
    );
    let counts: Vec<String> = JobState::ALL
        .iter()
        .filter(|&&state| run.count(state) > 0)
        .map(|&state| format!("{} {}", run.count(state), state.label()))
        .collect();
    format!("Run {} · {source} · {}", run.id, counts.join(", "))
}

fn run_detail(run: &RunRecord) -> String {
    let ended = match run.ended_how {
        Some(RunEnd::Finished) => "finished",
        Some(RunEnd::Interrupted) => "interrupted",
        Some(RunEnd::Closed) => "closed with jobs running",
        Some(RunEnd::Crashed) => "cut short: jobdeck stopped without ending it",
        None => "running in another jobdeck",
    };
    let took = run
        .ended_at
        .map(|end| format!(", took {}", crate::cli::seconds(end - run.started_at)))
        .unwrap_or_default();
    let file = run
        .file
        .as_ref()
        .map(|file| format!("{} · ", file.display()))
        .unwrap_or_default();
    format!("{file}{ended}{took}, {} thread(s)", run.max_threads)
}

/// The jobs of one run, virtualised.
fn jobs_ui(ui: &mut Ui, run: RunId, jobs: &[JobRecord], commands: &mut Vec<Command>) {
    egui::ScrollArea::vertical()
        .id_salt(("past run jobs", run.0))
        .max_height(320.0)
        .auto_shrink([false, true])
        .show_rows(ui, ROW_HEIGHT, jobs.len(), |ui, rows| {
            egui::Grid::new(("past run grid", run.0, rows.start))
                .striped(true)
                .min_row_height(ROW_HEIGHT)
                .show(ui, |ui| {
                    for job in &jobs[rows] {
                        job_row_ui(ui, run, job, commands);
                        ui.end_row();
                    }
                });
        });
}

fn job_row_ui(ui: &mut Ui, run: RunId, job: &JobRecord, commands: &mut Vec<Command>) {
    ui.label(RichText::new(job.seq.to_string()).weak());
    ui.label(&job.name);
    let state = RichText::new(job.state.label());
    let state = match job.state {
        JobState::Succeeded => state.color(ui.visuals().selection.bg_fill),
        state_kind if state_kind.is_failure() => state.color(ui.visuals().error_fg_color),
        _ => state,
    };
    ui.label(state);
    let exit = match (job.exit_code, job.signal) {
        (Some(code), _) => format!("exit {code}"),
        (None, Some(signal)) => format!("signal {signal}"),
        (None, None) => String::new(),
    };
    ui.label(exit);
    ui.label(
        job.runtime_secs()
            .map(crate::cli::seconds)
            .unwrap_or_default(),
    );
    // Retry before the detail, which is cut to the panel's width: the
    // button stays in view, and the panel keeps the width it has (a person
    // may drag it) rather than growing over the job table.
    if job.state.is_ended() {
        let response = ui.small_button("Retry").on_hover_text("Run it again now");
        let label = format!("Retry {} of run {run}", job.name);
        response.widget_info(|| WidgetInfo::labeled(Role::Button, true, &label));
        if response.clicked() {
            commands.push(Command::RetryRecorded(job.row));
        }
    } else {
        ui.label("");
    }
    let log = job
        .log_path
        .as_ref()
        .map(|path| path.display().to_string())
        .unwrap_or_default();
    let detail = match &job.error {
        Some(error) if job.state != JobState::Succeeded => error.clone(),
        _ => log.clone(),
    };
    // Cut short, whole on hover: an error can run to several lines.
    let hover = if detail == log || log.is_empty() {
        detail.clone()
    } else {
        format!("{detail}\n{log}")
    };
    ui.add(egui::Label::new(RichText::new(cut(&detail, DETAIL_CHARS)).weak()).truncate())
        .on_hover_text(hover);
}

/// The most characters of an error or log path shown in a past job's row.
const DETAIL_CHARS: usize = 60;

/// `text` cut to `max` characters, the last an ellipsis when it was cut.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(max.saturating_sub(1)).collect();
    short.push('…');
    short
}

#[cfg(test)]
mod tests {
    use super::cut;

    #[test]
    fn a_long_detail_is_cut_with_an_ellipsis_and_a_short_one_kept() {
        assert_eq!(cut("exit 3", 32), "exit 3");
        assert_eq!(cut("division by zero at step 30", 10), "division …");
        assert_eq!(cut("ééééé", 4).chars().count(), 4);
    }
}
