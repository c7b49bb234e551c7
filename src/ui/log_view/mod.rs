//! The log of the selected job, as a terminal would show it: colours,
//! redrawn lines in place, stderr lines marked in the gutter; the whole
//! log of a command (read from its file in pages, see [`FullLog`]),
//! following its end as it grows; search (Ctrl+F), copy, and open in the
//! desktop's viewer.

mod paint;
mod rows;
mod search;
mod source;

use std::fmt::Write as _;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::ops::Range;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use egui::{Key, KeyboardShortcut, Modifiers, RichText, Ui};

use super::Command;
use crate::board::{JobLog, JobView};
use crate::engine::JobId;
use crate::full_log::FullLog;
use crate::jobspec::BuildContext;

use rows::{Geometry, rows_ui};
use search::Search;
use source::Source;

/// Opens the search bar of the log view.
pub const FIND_SHORTCUT: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::F);

/// Time a frame may spend reading the full log's index further.
const INDEX_BUDGET: Duration = Duration::from_millis(6);

/// Time a frame may spend searching.
const SEARCH_BUDGET: Duration = Duration::from_millis(4);

/// How long the view keeps looking at the full log for lines the board
/// already has: the file gets them within `log_file.rs`'s flush interval.
const FILE_LAG: Duration = Duration::from_secs(1);

/// How often the view looks while the file lags (the window's update rate).
const FILE_LAG_POLL: Duration = super::UPDATE_INTERVAL;

/// Lines "Copy" takes at most.
const MAX_COPIED_LINES: u64 = 100_000;

/// The log view of one job: where it reads from and how it is looked at.
/// Memory: the full log's index and pages (see [`FullLog`]: at most
/// 24 MiB) and the search's matches (at most 12 MiB).
#[derive(Debug)]
pub struct LogView {
    job: JobId,
    /// The command's full log, if it has one.
    full_log: Option<FullLog>,
    /// Stay at the end as lines come in.
    follow: bool,
    search: Search,
    /// Selected lines: the first clicked and the last.
    selection: Option<(u64, u64)>,
    /// Bring this line into view in the next frame.
    scroll_to: Option<u64>,
    geometry: Option<Geometry>,
    /// The finished lines on screen in the last frame.
    on_screen: Range<u64>,
    focus_search: bool,
    /// Lines to copy once the rows are read.
    copy_requested: Option<Range<u64>>,
    /// The board's lines of the job as last seen (a fingerprint), and
    /// since when the full log has not grown to match them.
    board_lines: u64,
    file_lags_since: Option<Instant>,
}

impl LogView {
    /// The view of `job`'s log; a command's is read from its full log.
    #[must_use]
    pub fn new(job: &JobView, context: &BuildContext) -> Self {
        Self {
            job: job.id,
            full_log: job.spec.full_log(job.id, context).map(FullLog::new),
            follow: true,
            search: Search::default(),
            selection: None,
            scroll_to: None,
            geometry: None,
            on_screen: 0..0,
            focus_search: false,
            copy_requested: None,
            board_lines: fingerprint(&job.log),
            file_lags_since: None,
        }
    }

    /// The job it shows.
    #[must_use]
    pub fn job(&self) -> JobId {
        self.job
    }

    /// Whether it sticks to the end of the log as it grows.
    #[must_use]
    pub fn is_following(&self) -> bool {
        self.follow
    }

    /// Bytes its full log's index, cached pages and search hold.
    #[must_use]
    pub fn memory_bytes(&self) -> usize {
        self.full_log.as_ref().map_or(0, FullLog::memory_bytes) + self.search.bytes()
    }

    /// How far the full log is read: lines indexed, bytes indexed and the
    /// file's length; `None` for a job without one.
    #[must_use]
    pub fn indexed(&self) -> Option<(u64, u64, u64)> {
        self.full_log.as_ref().map(|log| {
            let (read, len) = log.indexed_bytes();
            (log.lines(), read, len)
        })
    }

    fn is_selected(&self, number: u64) -> bool {
        self.selection
            .is_some_and(|(a, b)| (a.min(b)..=a.max(b)).contains(&number))
    }

    /// The selected lines, first to last.
    fn selected(&self) -> Option<Range<u64>> {
        self.selection.map(|(a, b)| a.min(b)..a.max(b) + 1)
    }

    /// Opens the search bar and puts the cursor in it.
    fn open_search(&mut self) {
        self.search.open = true;
        self.focus_search = true;
    }

    /// Steps to the next match (or the previous) and brings it into view.
    fn step(&mut self, forward: bool) {
        if let Some(line) = self.search.step(forward, self.on_screen.start) {
            self.scroll_to = Some(line);
            self.follow = false;
        }
    }

    fn select(&mut self, number: u64, extend: bool) {
        self.selection = match self.selection {
            Some((anchor, _)) if extend => Some((anchor, number)),
            Some((a, b)) if a == number && b == number => None,
            _ => Some((number, number)),
        };
    }
}

/// Draws the log view of `job`. `view` must be the view of `job`.
pub(crate) fn log_view_ui(
    ui: &mut Ui,
    view: &mut LogView,
    job: &JobView,
    commands: &mut Vec<Command>,
) {
    let now = Instant::now();
    let mut more = false;
    if let Some(log) = &mut view.full_log {
        let before = log.indexed_bytes().1;
        more |= !log.refresh(now + INDEX_BUDGET).caught_up;
        let grew = log.indexed_bytes().1 > before;
        watch_file_lag(ui, view, job, grew, now);
    }
    let file = view.full_log.as_ref().map(|log| FileStatus {
        path: log.path().to_owned(),
        indexed: log.indexed_bytes(),
        error: log.error().map(str::to_owned),
    });
    // Out of the view while the view is drawn, which also changes it.
    let mut full_log = view.full_log.take();
    {
        // The file once it is there; until then (or if it cannot be read),
        // the lines the board keeps.
        let mut source = match &mut full_log {
            Some(log) if log.exists() => Source::File(log),
            _ => Source::Memory(&job.log),
        };
        keys(ui, view);
        header_ui(ui, view, &source, file.as_ref(), commands);
        if view.search.open {
            search_bar_ui(ui, view);
        }
        if view.search.open {
            more |= view
                .search
                .advance(&mut source, Instant::now() + SEARCH_BUDGET);
        }
        if source.end() == source.first() && source.unfinished().is_empty() {
            ui.weak("(no output yet)");
        } else {
            view.on_screen = rows_ui(ui, view, &mut source);
        }
        if let Some(copy) = view.copy_requested.take() {
            copy_lines(ui, &mut source, copy);
        }
    }
    view.full_log = full_log;
    if more {
        ui.ctx().request_repaint();
    }
}

/// The window draws a frame when the board gets new lines, but the full
/// log may get their bytes a moment later (they are buffered, see
/// `log_file.rs`); with nothing else to draw, the view would show the file
/// as it was. So once the board's lines change, the view looks at the file
/// again every [`FILE_LAG_POLL`] until it grows, for at most [`FILE_LAG`].
fn watch_file_lag(ui: &Ui, view: &mut LogView, job: &JobView, grew: bool, now: Instant) {
    let lines = fingerprint(&job.log);
    if grew {
        view.file_lags_since = None;
    } else if lines != view.board_lines {
        view.file_lags_since = Some(now);
    }
    view.board_lines = lines;
    match view.file_lags_since {
        Some(since) if now.duration_since(since) < FILE_LAG => {
            ui.ctx().request_repaint_after(FILE_LAG_POLL);
        }
        _ => view.file_lags_since = None,
    }
}

/// Changes whenever the board's lines of a job do (a line ends, a redraw).
fn fingerprint(log: &JobLog) -> u64 {
    let mut hasher = DefaultHasher::new();
    (log.dropped(), log.finished().len()).hash(&mut hasher);
    for line in log.unfinished_lines() {
        line.text.hash(&mut hasher);
    }
    hasher.finish()
}

/// Ctrl+F opens the search; End follows the log, Home goes to its top;
/// Ctrl+C copies the selected lines (unless a text field has the keys).
fn keys(ui: &Ui, view: &mut LogView) {
    if ui.input_mut(|input| input.consume_shortcut(&FIND_SHORTCUT)) {
        view.open_search();
    }
    if ui.ctx().egui_wants_keyboard_input() {
        return;
    }
    let (end, home, copy) = ui.input(|input| {
        let copy = input
            .events
            .iter()
            .any(|event| matches!(event, egui::Event::Copy));
        (
            input.key_pressed(Key::End),
            input.key_pressed(Key::Home),
            copy,
        )
    });
    if end {
        view.follow = true;
    }
    if home {
        view.follow = false;
        view.scroll_to = Some(0);
    }
    if copy && let Some(selected) = view.selected() {
        view.copy_requested = Some(selected);
    }
}

/// Where a full log is and how far it is read, for the header.
struct FileStatus {
    path: PathBuf,
    /// Bytes read, and the file's length.
    indexed: (u64, u64),
    error: Option<String>,
}

/// The view's own toolbar: follow, find, copy, open; how big the log is.
fn header_ui(
    ui: &mut Ui,
    view: &mut LogView,
    source: &Source<'_>,
    file: Option<&FileStatus>,
    commands: &mut Vec<Command>,
) {
    let log_path = file.map(|file| file.path.as_path());
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new("Log").strong());
        ui.checkbox(&mut view.follow, "Follow")
            .on_hover_text("Stay at the end as lines come in (End)");
        let find = format!(
            "Find in the log ({})",
            ui.ctx().format_shortcut(&FIND_SHORTCUT)
        );
        if ui.button("Find").on_hover_text(find).clicked() {
            view.open_search();
        }
        if ui
            .button("Copy")
            .on_hover_text(
                "Copy the selected lines (click a line number, Shift+click for more), \
                 or else the lines on screen",
            )
            .clicked()
        {
            view.copy_requested = Some(view.selected().unwrap_or(view.on_screen.clone()));
        }
        if let Some(path) = log_path
            && ui
                .button("Open log file")
                .on_hover_text(format!("Open {} in the desktop's viewer", path.display()))
                .clicked()
        {
            commands.push(Command::OpenLogFile(path.to_owned()));
        }
    });
    let lines = source.end() - source.first();
    let mut status = format!("{lines} lines");
    if let Some(&FileStatus {
        indexed: (read, len),
        ..
    }) = file
        && read < len
    {
        let percent = read as f64 * 100.0 / len.max(1) as f64;
        let _ = write!(status, ", reading the log… {percent:.0}%");
    }
    if let Source::Memory(log) = source
        && log.dropped() > 0
    {
        let _ = write!(status, ", {} earlier lines not kept", log.dropped());
    }
    ui.weak(status);
    if let Some(path) = log_path {
        ui.label(RichText::new(format!("Full log: {}", path.display())).small())
            .on_hover_text("Every byte the program wrote, colours and all");
    }
    if let Some(error) = file.and_then(|file| file.error.as_deref()) {
        ui.colored_label(ui.visuals().error_fg_color, error);
    }
}

/// The search bar: the text to find, match case, previous and next, how
/// many matches; Enter and Shift+Enter step, Escape closes.
fn search_bar_ui(ui: &mut Ui, view: &mut LogView) {
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Find in log");
        let edit = ui
            .add(
                egui::TextEdit::singleline(&mut view.search.query)
                    .hint_text("text in the log")
                    .desired_width(160.0),
            )
            .labelled_by(label.id);
        if std::mem::take(&mut view.focus_search) {
            edit.request_focus();
        }
        let (enter, escape, shift) = ui.input(|input| {
            (
                input.key_pressed(Key::Enter),
                input.key_pressed(Key::Escape),
                input.modifiers.shift,
            )
        });
        if edit.lost_focus() && enter {
            view.step(!shift);
            edit.request_focus();
        }
        if (edit.has_focus() || edit.lost_focus()) && escape {
            view.search.open = false;
        }
        ui.checkbox(&mut view.search.match_case, "Match case");
        if ui
            .button("Previous")
            .on_hover_text("Previous match (Shift+Enter)")
            .clicked()
        {
            view.step(false);
        }
        if ui
            .button("Next")
            .on_hover_text("Next match (Enter)")
            .clicked()
        {
            view.step(true);
        }
        // Not wrapped: a label wrapped in a wrapping row starts its own
        // rows, and the buttons after it were drawn over the one before.
        let status = view.search.status();
        if !status.is_empty() {
            ui.add(egui::Label::new(status).extend());
        }
        if ui
            .button("Close")
            .on_hover_text("Close the search (Escape)")
            .clicked()
        {
            view.search.open = false;
        }
    });
}

/// Puts the text of the finished lines `range` (at most
/// [`MAX_COPIED_LINES`]) on the clipboard, one per line.
fn copy_lines(ui: &Ui, source: &mut Source<'_>, range: Range<u64>) {
    let start = range.start.max(source.first());
    let end = range.end.min(source.end()).min(start + MAX_COPIED_LINES);
    let mut text = String::new();
    for number in start..end {
        if let Some(line) = source.line(number) {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(&line.text);
        }
    }
    ui.ctx().copy_text(text);
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;
    use std::sync::Arc;

    use super::*;
    use crate::board::Board;
    use crate::engine::{Event, EventKind, LogLine};
    use crate::jobspec::{CommandSpec, JobKind, JobSpec};

    /// One frame of the view alone; returns how soon it asks for the next.
    fn frame(ctx: &egui::Context, view: &mut LogView, job: &JobView) -> Duration {
        let mut output = ctx.run_ui(egui::RawInput::default(), |ui| {
            log_view_ui(ui, view, job, &mut Vec::new());
        });
        output.textures_delta.clear();
        output.viewport_output[&egui::ViewportId::ROOT].repaint_delay
    }

    fn write(path: &std::path::Path, text: &str) {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap();
        file.write_all(text.as_bytes()).unwrap();
    }

    #[test]
    fn lines_the_board_has_before_the_file_are_looked_for_until_the_file_has_them() {
        let dir = tempfile::tempdir().unwrap();
        let now = Instant::now();
        let id = JobId::new();
        let mut command = CommandSpec::from_command_line("true").unwrap();
        command.log_dir = Some(dir.path().to_owned());
        let mut board = Board::new_at(now);
        board.add_job(
            id,
            Arc::new(JobSpec::new("logger", JobKind::Command(command))),
            now,
        );
        let apply = |board: &mut Board, kind| board.apply_at(Event { job: id, kind }, now);
        apply(
            &mut board,
            EventKind::Started {
                worker: Some(0),
                attempt: 1,
            },
        );
        let path = dir.path().join(format!("{id}.log"));
        write(&path, "one\n");
        let ctx = egui::Context::default();
        let mut view = LogView::new(board.job(id).unwrap(), &BuildContext::default());
        for _ in 0..3 {
            frame(&ctx, &mut view, board.job(id).unwrap());
        }
        assert_eq!(view.full_log.as_ref().unwrap().lines(), 1);
        assert_eq!(
            frame(&ctx, &mut view, board.job(id).unwrap()),
            Duration::MAX,
            "a view that has read its log asks for nothing"
        );

        // The board has a line the file does not have yet (still buffered).
        apply(
            &mut board,
            EventKind::Log {
                lines: vec![LogLine::from("two")],
                dropped: 0,
            },
        );
        let delay = frame(&ctx, &mut view, board.job(id).unwrap());
        assert!(delay <= FILE_LAG_POLL, "asks to look again soon: {delay:?}");
        assert!(frame(&ctx, &mut view, board.job(id).unwrap()) <= FILE_LAG_POLL);

        // The file gets it: the view reads it and stops asking.
        write(&path, "two\n");
        frame(&ctx, &mut view, board.job(id).unwrap());
        assert_eq!(view.full_log.as_ref().unwrap().lines(), 2);
        assert_eq!(
            frame(&ctx, &mut view, board.job(id).unwrap()),
            Duration::MAX
        );
    }
}
