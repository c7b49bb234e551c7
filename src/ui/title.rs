//! The window title: it carries the batch's progress while jobs run, so a
//! person in another window (or looking at the task bar) sees how it goes.

use std::time::Instant;

use crate::board::{Board, StateClass};

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
