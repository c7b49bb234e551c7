//! What the window takes in besides clicks: shortcuts, the keys that act
//! on the selected row, files dropped on it and a request to close it.

use egui::Context;

use super::super::Command;
use super::super::toolbar::{OPEN_SHORTCUT, START_SHORTCUT, STOP_ALL_SHORTCUT};
use super::{App, Quit};

impl App {
    pub(super) fn shortcuts(&mut self, ctx: &Context) {
        let (start, stop_all, open, escape) = ctx.input_mut(|input| {
            (
                input.consume_shortcut(&START_SHORTCUT),
                input.consume_shortcut(&STOP_ALL_SHORTCUT),
                input.consume_shortcut(&OPEN_SHORTCUT),
                input.key_pressed(egui::Key::Escape),
            )
        });
        if start {
            self.commands.push(self.toolbar.start_command());
        }
        if stop_all {
            self.commands.push(Command::StopAll);
        }
        if open {
            self.commands.push(Command::ShowOpenFile(true));
        }
        self.row_keys(ctx);
        // Escape closes the dialog on top: Open job file, then Settings.
        if escape {
            if self.open_file.is_some() {
                self.commands.push(Command::ShowOpenFile(false));
            } else if self.settings_open {
                self.commands.push(Command::ShowSettings(false));
            }
        }
    }

    /// The selected row from the keyboard, unless a text field has it:
    /// Up/Down move the selection (and its details show), Delete stops or
    /// cancels its job, R retries it once ended.
    pub(super) fn row_keys(&mut self, ctx: &Context) {
        if ctx.egui_wants_keyboard_input() {
            return;
        }
        let (down, up, delete, retry) = ctx.input_mut(|input| {
            (
                input.consume_key(egui::Modifiers::NONE, egui::Key::ArrowDown),
                input.consume_key(egui::Modifiers::NONE, egui::Key::ArrowUp),
                input.consume_key(egui::Modifiers::NONE, egui::Key::Delete),
                input.consume_key(egui::Modifiers::NONE, egui::Key::R),
            )
        });
        let jobs = self.session.board().jobs();
        if (down || up) && !jobs.is_empty() {
            let at = self
                .selected
                .and_then(|id| jobs.iter().position(|job| job.id == id));
            let next = match (at, down) {
                (None, true) => 0,
                (None, false) => jobs.len() - 1,
                (Some(i), true) => (i + 1).min(jobs.len() - 1),
                (Some(i), false) => i.saturating_sub(1),
            };
            self.selected = Some(jobs[next].id);
            self.scroll_to_selected = true;
        }
        let Some(job) = self.selected.and_then(|id| self.session.board().job(id)) else {
            return;
        };
        let ended = job.lifecycle.is_ended();
        if delete && !ended {
            self.commands.push(Command::Stop(job.id));
        }
        if retry && ended {
            self.commands.push(Command::Retry(job.id));
        }
    }

    /// A job file dropped on the window is opened like one picked in Open
    /// job file.
    pub(super) fn take_dropped_files(&mut self, ctx: &Context) {
        let dropped = ctx.input(|i| i.raw.dropped_files.clone());
        for file in dropped {
            let path = file.path();
            // Web drops have no path; on the desktop every drop has one.
            if !path.as_os_str().is_empty() {
                self.commands.push(Command::OpenJobFile(path.to_path_buf()));
            }
        }
    }

    /// Closing with live jobs needs a confirmation first.
    pub(super) fn watch_close_request(&mut self, ctx: &Context) {
        if ctx.input(|i| i.viewport().close_requested())
            && self.board().live_jobs() > 0
            && self.quit != Quit::Confirmed
        {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.quit = Quit::Asking;
        }
    }
}
