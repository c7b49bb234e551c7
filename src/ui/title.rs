//! The window title: it carries the batch's progress while jobs run, so a
//! person in another window (or looking at the task bar) sees how it goes.

use std::time::{Duration, Instant};

use egui::Context;

use crate::board::{Board, StateClass};

/// How often the title's progress is updated while jobs run.
pub const TITLE_INTERVAL: Duration = Duration::from_secs(5);

/// The title as last sent to the window.
#[derive(Debug)]
pub(crate) struct WindowTitle {
    text: String,
    /// Whether jobs were live when it was sent.
    live: bool,
    sent_at: Option<Instant>,
}

impl Default for WindowTitle {
    fn default() -> Self {
        Self {
            text: "jobdeck".to_owned(),
            live: false,
            sent_at: None,
        }
    }
}

impl WindowTitle {
    /// Sends the board's title to the window: at once when jobs start or
    /// all end, otherwise at most every [`TITLE_INTERVAL`], because egui
    /// draws extra frames for every title sent, and the window's frames are
    /// paced (see `repaint`).
    pub(crate) fn update(&mut self, ctx: &Context, board: &Board, now: Instant) {
        let live = board.live_jobs() > 0;
        let text = window_title(board, now);
        let due = self
            .sent_at
            .is_none_or(|at| now.saturating_duration_since(at) >= TITLE_INTERVAL);
        if text != self.text && (live != self.live || due) {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(text.clone()));
            self.text = text;
            self.live = live;
            self.sent_at = Some(now);
        }
    }
}

/// "jobdeck — 43% · 3 running" while jobs are live, "jobdeck — stopped: 92
/// of 300 succeeded" once a batch ended that way, "jobdeck" otherwise.
pub(crate) fn window_title(board: &Board, now: Instant) -> String {
    let overall = board.overall(now);
    if board.live_jobs() > 0 {
        let running = board.count(StateClass::Running) + board.count(StateClass::Stopping);
        return format!(
            "jobdeck — {:.0}% · {running} running",
            overall.fraction * 100.0
        );
    }
    match overall.verdict() {
        Some(verdict) => format!("jobdeck — {verdict}"),
        None => "jobdeck".to_owned(),
    }
}
