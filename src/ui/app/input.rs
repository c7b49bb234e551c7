//! What the window takes in besides clicks: shortcuts, the keys that act
//! on the selected row, files dropped on it and a request to close it.

use std::time::Instant;

use egui::Context;

use super::super::Command;
use super::super::table::{LOWER_KEY, PAUSE_KEY, RAISE_KEY};
use super::super::toolbar::{OPEN_SHORTCUT, START_SHORTCUT, STOP_ALL_SHORTCUT};
use super::{App, Quit};
use crate::board::StateClass;

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
    /// Up/Down move the selection through the rows shown, in their order
    /// (and its details show); Delete stops or cancels its job, R retries
    /// it once ended, P pauses or resumes it while it runs, + and - raise
    /// and lower its priority while it waits.
    pub(super) fn row_keys(&mut self, ctx: &Context) {
        if ctx.egui_wants_keyboard_input() {
            return;
        }
        let (down, up, delete, retry, pause, raise, lower) = ctx.input_mut(|input| {
            let mut key = |key| input.consume_key(egui::Modifiers::NONE, key);
            (
                key(egui::Key::ArrowDown),
                key(egui::Key::ArrowUp),
                key(egui::Key::Delete),
                key(egui::Key::R),
                key(PAUSE_KEY),
                // "+" is shifted "=" on many keyboards.
                key(RAISE_KEY) || key(egui::Key::Equals),
                key(LOWER_KEY),
            )
        });
        if down || up {
            self.move_selection(down);
        }
        let Some(job) = self.selected.and_then(|id| self.session.board().job(id)) else {
            return;
        };
        let class = job.lifecycle.class();
        let command = if delete && !class.is_ended() {
            Some(Command::Stop(job.id))
        } else if retry && class.is_ended() {
            Some(Command::Retry(job.id))
        } else if pause && matches!(class, StateClass::Running | StateClass::Paused) {
            Some(Command::PauseJob(job.id, class == StateClass::Running))
        } else if (raise || lower) && class == StateClass::Queued {
            let priority = if raise {
                job.priority.saturating_add(1)
            } else {
                job.priority.saturating_sub(1)
            };
            Some(Command::SetPriority(job.id, priority))
        } else {
            None
        };
        self.commands.extend(command);
    }

    /// Moves the selection one row down (or up) among the rows the table
    /// shows, in the order it shows them; from no selection, to the first
    /// (or last) row.
    fn move_selection(&mut self, down: bool) {
        let board = self.session.board();
        self.table
            .refresh(board, self.repaint.clock(Instant::now()));
        let rows = self.table.rows();
        if rows.is_empty() {
            return;
        }
        let jobs = board.jobs();
        let at = self
            .selected
            .and_then(|id| rows.iter().position(|&row| jobs[row].id == id));
        let next = match (at, down) {
            (None, true) => 0,
            (None, false) => rows.len() - 1,
            (Some(i), true) => (i + 1).min(rows.len() - 1),
            (Some(i), false) => i.saturating_sub(1),
        };
        self.selected = Some(jobs[rows[next]].id);
        self.table.scroll_to_selected = true;
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
