//! The overall progress bar: the mean progress of the current batch, with
//! counts by state, throughput and ETA beside it.

use std::time::Instant;

use egui::{ProgressBar, RichText, Role, Ui, WidgetInfo};

use super::style::{format_duration, state_colour};
use crate::board::{Board, Ending, Overall, StateClass};

/// What the bar says: the mean while the batch runs, how it ended once done.
/// A batch with stopped, cancelled or failed jobs never reads "100%".
pub(crate) fn overall_text(overall: &Overall) -> String {
    let percent = overall.fraction * 100.0;
    match (overall.ending, overall.verdict()) {
        (Some(Ending::Succeeded), Some(verdict)) => format!("{percent:.0}%  {verdict}"),
        (_, Some(verdict)) => verdict,
        _ if overall.jobs == 0 => "no jobs yet".to_owned(),
        _ => format!(
            "{percent:.0}%  ({} of {} jobs ended)",
            overall.ended, overall.jobs
        ),
    }
}

/// The batch's progress bar, with counts by state, throughput and ETA.
pub(crate) fn overall_ui(ui: &mut Ui, board: &Board, now: Instant) {
    let overall = board.overall(now);
    ui.horizontal(|ui| {
        let text = overall_text(&overall);
        let mut bar = ProgressBar::new(overall.fraction)
            .desired_width((ui.available_width() * 0.45).max(120.0))
            .text(text.as_str());
        if let Some(ending) = overall.ending.filter(|e| *e != Ending::Succeeded) {
            bar = bar.fill(state_colour(ending.class(), ui.visuals()).gamma_multiply(0.6));
        }
        let bar = ui.add(bar);
        // Screen readers hear "Overall progress", the number drawn and the
        // words beside it.
        bar.widget_info(|| {
            let mut info = WidgetInfo::labeled(Role::ProgressIndicator, true, "Overall progress");
            info.value = Some(f64::from(overall.fraction) * 100.0);
            info.current_text_value = Some(text.clone());
            info
        });
        if overall.joined_late > 0 {
            let s = if overall.joined_late == 1 { "" } else { "s" };
            ui.label(RichText::new(format!("+{} job{s}", overall.joined_late)).strong())
                .on_hover_text(format!(
                    "{} job{s} joined the running batch: the bar shows the mean of all {}",
                    overall.joined_late, overall.jobs
                ));
        }
        for class in StateClass::ALL {
            let n = board.count(class);
            if n > 0 {
                ui.label(
                    RichText::new(format!("{n} {}", class.label()))
                        .color(state_colour(class, ui.visuals())),
                );
            }
        }
        ui.separator();
        ui.label(format!("{:.2} jobs/s", overall.jobs_per_sec));
        let eta = match overall.eta {
            Some(eta) if !overall.is_done() => format!("ETA {}", format_duration(eta)),
            Some(_) => format!("took {}", format_duration(overall.elapsed)),
            None => "ETA --".to_owned(),
        };
        ui.label(eta);
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn overall(fraction: f32, jobs: usize, ended: usize, succeeded: usize) -> Overall {
        Overall {
            fraction,
            jobs,
            ended,
            succeeded,
            joined_late: 0,
            ending: None,
            jobs_per_sec: 0.0,
            eta: None,
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn a_stopped_batch_says_so_and_never_reads_done() {
        let stopped = Overall {
            ending: Some(Ending::Stopped),
            ..overall(1.0, 300, 300, 92)
        };
        assert_eq!(overall_text(&stopped), "stopped: 92 of 300 succeeded");
        let failed = Overall {
            ending: Some(Ending::Failed),
            ..overall(1.0, 4, 4, 3)
        };
        assert_eq!(overall_text(&failed), "failed: 3 of 4 succeeded");
        let done = Overall {
            ending: Some(Ending::Succeeded),
            ..overall(1.0, 4, 4, 4)
        };
        assert_eq!(overall_text(&done), "100%  done: 4 of 4 succeeded");
        assert_eq!(
            overall_text(&overall(0.52, 4, 1, 1)),
            "52%  (1 of 4 jobs ended)"
        );
    }
}
