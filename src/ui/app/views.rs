//! What a frame shows: the panels, the job table and the windows over
//! them.

use std::time::Instant;

use egui::{Context, Ui};

use super::super::Command;
use super::super::details::details_ui;
use super::super::history::history_ui;
use super::super::log_view::LogView;
use super::super::open_file::open_file_ui;
use super::super::overall::overall_ui;
use super::super::plots::plots_ui;
use super::super::settings::settings_ui;
use super::super::table::table_ui;
use super::super::toolbar::toolbar_ui;
use super::super::workers::workers_ui;
use super::{App, Quit};

impl App {
    pub(super) fn views_ui(&mut self, ui: &mut Ui) {
        let now = self.repaint.clock(Instant::now());
        if let Some(recorder) = &mut self.recorder {
            recorder.refresh();
        }
        let commands = &mut self.commands;
        let board = self.session.board();
        egui::Panel::top("toolbar").show(ui, |ui| {
            ui.add_space(4.0);
            toolbar_ui(
                ui,
                &mut self.toolbar,
                self.session.pool().is_paused(),
                self.workers.is_shown,
                self.desktop.is_picking(),
                commands,
            );
            ui.add_space(2.0);
        });
        egui::Panel::top("overall").show(ui, |ui| {
            ui.add_space(2.0);
            overall_ui(ui, board, now);
            if let Some(error) = &self.error {
                ui.colored_label(ui.visuals().error_fg_color, error);
            } else if let Some(opened) = &self.last_opened {
                ui.weak(opened);
            }
            if let Some(halted) = &self.halted {
                ui.colored_label(ui.visuals().warn_fg_color, halted);
            }
            ui.add_space(2.0);
        });
        egui::Panel::right("details")
            .resizable(true)
            .default_size(400.0)
            .show(ui, |ui| {
                // Hold the width the panel has (a person may drag it): a
                // log reads better wide than shrunk to a short label.
                ui.set_min_width(ui.available_width());
                let job = self.selected.and_then(|id| board.job(id));
                if let Some(job) = job
                    && self
                        .log_view
                        .as_ref()
                        .is_none_or(|view| view.job() != job.id)
                {
                    self.log_view = Some(LogView::new(job, self.session.context()));
                }
                let view = job.and(self.log_view.as_mut());
                details_ui(ui, job, view, now, commands);
            });
        if let Some(recorder) = self.recorder.as_ref().filter(|r| r.view.has_content()) {
            egui::Panel::left("history")
                .resizable(true)
                // Wide enough for a past job's number, name, state, exit,
                // time and Retry; its error or log path scrolls sideways.
                .default_size(360.0)
                .show(ui, |ui| history_ui(ui, &recorder.view, commands));
        }
        egui::Panel::bottom("plots")
            .resizable(true)
            .default_size(280.0)
            .show(ui, |ui| plots_ui(ui, board, &mut self.plots));
        if self.workers.is_shown {
            let threads = self.session.pool().max_threads();
            egui::Panel::bottom("workers")
                .resizable(true)
                .default_size(170.0)
                .show(ui, |ui| {
                    // The timelines move with real time, not the whole-second clock.
                    workers_ui(ui, board, threads, &mut self.workers, Instant::now());
                });
        }
        egui::CentralPanel::default_margins().show(ui, |ui| {
            table_ui(ui, board, &mut self.table, self.selected, now, commands);
        });
        self.dialogs_ui(&ui.ctx().clone());
    }

    /// The windows over the views: Settings, Open job file, and the
    /// question before quitting with jobs live.
    pub(super) fn dialogs_ui(&mut self, ctx: &egui::Context) {
        let picking = self.is_picking();
        let notify_trouble = self.notify_trouble();
        let home = self.toolbar.home();
        let commands = &mut self.commands;
        let mut open = self.settings_open;
        egui::Window::new("Settings")
            .open(&mut open)
            .resizable(false)
            .collapsible(false)
            .default_pos([380.0, 90.0])
            .show(ctx, |ui| {
                settings_ui(ui, &self.settings, notify_trouble.as_deref(), commands);
            });
        if !open {
            self.settings_open = false;
        }
        if let Some(state) = &mut self.open_file {
            let mut open = true;
            egui::Window::new("Open job file")
                .open(&mut open)
                .collapsible(false)
                .default_pos([380.0, 90.0])
                .show(ctx, |ui| open_file_ui(ui, state, home, picking, commands));
            if !open {
                self.open_file = None;
            }
        }
        if self.quit == Quit::Asking {
            quit_modal(ctx, self.session.board().live_jobs(), commands);
        }
    }
}

fn quit_modal(ctx: &Context, live_jobs: usize, commands: &mut Vec<Command>) {
    egui::Modal::new(egui::Id::unique("confirm quit")).show(ctx, |ui| {
        ui.heading("Jobs are still running");
        ui.label(format!(
            "{live_jobs} job(s) are queued or running. Quitting stops them all."
        ));
        ui.horizontal(|ui| {
            if ui.button("Stop jobs and quit").clicked() {
                commands.push(Command::ConfirmQuit);
            }
            if ui.button("Keep running").clicked() {
                commands.push(Command::CancelQuit);
            }
        });
    });
}
