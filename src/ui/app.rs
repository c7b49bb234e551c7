//! The app: owns the session (pool, events, board); draws the views and
//! applies what they ask after each frame.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::{Context, Ui};

use super::details::details_ui;
use super::history::history_ui;
use super::log_view::LogView;
use super::open_file::{OpenFileState, open_file_ui};
use super::overall::overall_ui;
use super::plots::{PlotState, plots_ui};
use super::recorded::Recorder;
use super::renderer;
use super::repaint::Repaint;
use super::settings::{SETTINGS_KEY, settings_ui};
use super::table::table_ui;
use super::title::WindowTitle;
use super::toolbar::{OPEN_SHORTCUT, START_SHORTCUT, STOP_ALL_SHORTCUT, ToolbarState, toolbar_ui};
use super::workers::{WorkersState, workers_ui};
use super::{Command, Settings};
use crate::board::{Board, StateClass};
use crate::engine::{EngineError, JobId, Pool};
use crate::history::History;
use crate::jobfile::JobFile;
use crate::jobspec::{BuildContext, JobKind, JobSpec, Plan};
use crate::session::{HaltSink, HaltWatch, Session};

/// How long one frame may spend folding events before it draws and asks for
/// another frame; keeps the window responsive during floods.
pub const EVENT_BUDGET: Duration = Duration::from_millis(4);

/// Where closing the window stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Quit {
    /// Nobody asked to close.
    No,
    /// Close was asked while jobs run: the confirmation is showing.
    Asking,
    /// The person confirmed; the next close request goes through.
    Confirmed,
}

/// The whole window's state.
pub struct App {
    session: Session,
    settings: Settings,
    toolbar: ToolbarState,
    plots: PlotState,
    /// The Workers panel's state, and whether it shows.
    workers: WorkersState,
    selected: Option<JobId>,
    /// The keyboard moved the selection: the table brings it into view.
    scroll_to_selected: bool,
    /// How many jobs of each name the toolbar started, for "Steps #3".
    started_per_name: HashMap<String, u64>,
    /// The Open job file window, when open.
    open_file: Option<OpenFileState>,
    commands: Vec<Command>,
    settings_open: bool,
    waker_installed: bool,
    /// When frames are drawn: paced wakes from the engine, clock ticks.
    repaint: Repaint,
    quit: Quit,
    /// The last thing that went wrong, shown until the next success.
    error: Option<String>,
    /// What the last job file started, shown under the overall bar.
    last_opened: Option<String>,
    /// The thread cap a job file set, in force until every job has ended;
    /// then the saved setting (the person's) applies again.
    file_max_threads: Option<usize>,
    /// The halt policies of job files whose batches have not tripped them
    /// (yet), with each file's path.
    halts: Vec<(PathBuf, HaltWatch)>,
    /// What the last halt policy to trip did, shown under the overall bar
    /// until the next job file is opened.
    halted: Option<String>,
    /// The log view of the selected job.
    log_view: Option<LogView>,
    /// The window title, as last sent.
    title: WindowTitle,
    /// The history, when this window records one (after the session, so the
    /// session's journal goes first when the app is dropped).
    recorder: Option<Recorder>,
}

impl App {
    /// A window state with an empty board and a pool sized by `settings`.
    ///
    /// # Errors
    /// When the pool cannot be created.
    pub fn new(settings: Settings) -> Result<Self, EngineError> {
        let settings = settings.clamped();
        let context = BuildContext {
            default_grace: grace(&settings),
            ..BuildContext::default()
        };
        Ok(Self {
            session: Session::new(settings.max_threads, context)?,
            settings,
            toolbar: ToolbarState::default(),
            plots: PlotState::default(),
            workers: WorkersState::default(),
            selected: None,
            scroll_to_selected: false,
            started_per_name: HashMap::new(),
            open_file: None,
            commands: Vec::new(),
            settings_open: false,
            waker_installed: false,
            repaint: Repaint::default(),
            quit: Quit::No,
            error: None,
            last_opened: None,
            file_max_threads: None,
            halts: Vec::new(),
            halted: None,
            log_view: None,
            title: WindowTitle::default(),
            recorder: None,
        })
    }

    /// Records every job into `history` from now on, shows its past runs,
    /// and queues again (paused, with a Resume offered) what a crashed
    /// jobdeck left queued. Call before starting any job.
    #[must_use]
    pub fn with_history(mut self, history: History) -> Self {
        let max_threads = self.settings.max_threads;
        self.recorder = Some(Recorder::attach(history, &mut self.session, max_threads));
        self
    }

    /// The past runs shown, when there is a history.
    #[must_use]
    pub fn history_view(&self) -> Option<&super::HistoryView> {
        self.recorder.as_ref().map(|recorder| &recorder.view)
    }

    /// Commands write their full logs under `dir` instead of the default log
    /// folder (see [`default_log_dir`](crate::jobs::default_log_dir)), unless
    /// their job file names one.
    #[must_use]
    pub fn with_log_dir(mut self, dir: PathBuf) -> Self {
        self.session.context_mut().log_dir = Some(dir);
        self
    }

    /// Runs cluster jobs through `clusters` (backends set up by the caller,
    /// or fakes in tests) instead of backends started on first use.
    #[must_use]
    pub fn with_clusters(mut self, clusters: crate::executor::Clusters) -> Self {
        self.session.context_mut().clusters = clusters;
        self
    }

    /// A window state with the settings saved by a previous run, if any
    /// (and no history: [`with_history`](Self::with_history) adds one).
    ///
    /// # Panics
    /// When the operating system refuses the pool's timer thread.
    #[must_use]
    pub fn from_storage(storage: Option<&dyn eframe::Storage>) -> Self {
        let settings: Settings = storage
            .and_then(|s| eframe::get_value(s, SETTINGS_KEY))
            .unwrap_or_default();
        Self::new(settings).expect("clamped settings always make a valid pool")
    }

    /// A window showing `board` (for benchmarks and tests that need a
    /// board filled without running jobs); the pool starts empty.
    ///
    /// # Errors
    /// When the pool cannot be created.
    pub fn with_board(settings: Settings, board: Board) -> Result<Self, EngineError> {
        let mut app = Self::new(settings)?;
        app.session.replace_board(board);
        Ok(app)
    }

    /// Shows `id`'s details, as clicking its row would.
    pub fn select(&mut self, id: Option<JobId>) {
        self.selected = id;
    }

    /// What the views show.
    #[must_use]
    pub fn board(&self) -> &Board {
        self.session.board()
    }

    /// The engine (read-only: change it through [`Command`]s).
    #[must_use]
    pub fn pool(&self) -> &Pool {
        self.session.pool()
    }

    /// The settings in use.
    #[must_use]
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// What the last job file's halt policy did, once it tripped, as the
    /// window shows it.
    #[must_use]
    pub fn halted(&self) -> Option<&str> {
        self.halted.as_deref()
    }

    /// The error the window shows, if any.
    #[must_use]
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// The job selected for details.
    #[must_use]
    pub fn selected(&self) -> Option<JobId> {
        self.selected
    }

    /// The selected job's log view, once drawn.
    #[must_use]
    pub fn log_view(&self) -> Option<&LogView> {
        self.log_view
            .as_ref()
            .filter(|view| Some(view.job()) == self.selected)
    }

    /// The toolbar's kind and parameters (tests and job files set them).
    pub fn toolbar_mut(&mut self) -> &mut ToolbarState {
        &mut self.toolbar
    }

    /// Queues a command, as a view would; applied after the next frame.
    pub fn push_command(&mut self, command: Command) {
        self.commands.push(command);
    }

    /// One whole frame: fold events, draw every view, apply commands.
    pub fn frame_ui(&mut self, ui: &mut Ui) {
        let ctx = ui.ctx().clone();
        self.repaint.frame_began(Instant::now());
        self.install_waker(&ctx);
        self.drain_events(&ctx);
        self.shortcuts(&ctx);
        self.take_dropped_files(&ctx);
        self.watch_close_request(&ctx);
        self.notice_halts();
        self.views_ui(ui);
        self.apply_commands(&ctx);
        self.end_file_max_threads();
        self.update_title(&ctx);
        let board = self.board();
        let clocks = board.count(StateClass::Running) + board.count(StateClass::Stopping);
        self.repaint.frame_ended(&ctx, Instant::now(), clocks > 0);
    }

    /// Hands the pool a way to wake this window (once).
    fn install_waker(&mut self, ctx: &Context) {
        if !self.waker_installed {
            self.session.pool().set_waker(self.repaint.waker(ctx));
            self.waker_installed = true;
        }
    }

    /// Folds waiting events into the board (through the session, as every
    /// consumer does) for at most [`EVENT_BUDGET`]; when some are left, asks
    /// for another frame at once.
    pub fn drain_events(&mut self, ctx: &Context) {
        match self.session.drain(EVENT_BUDGET) {
            Ok(drained) if drained.more => ctx.request_repaint(),
            Ok(_) => {}
            Err(err) => self.error = Some(format!("could not record what the jobs did: {err}")),
        }
    }

    fn shortcuts(&mut self, ctx: &Context) {
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
    fn row_keys(&mut self, ctx: &Context) {
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

    /// Puts the batch's progress in the window title.
    fn update_title(&mut self, ctx: &Context) {
        self.title.update(ctx, self.session.board(), Instant::now());
    }

    /// A job file dropped on the window is opened like one picked in Open
    /// job file.
    fn take_dropped_files(&mut self, ctx: &Context) {
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
    fn watch_close_request(&mut self, ctx: &Context) {
        if ctx.input(|i| i.viewport().close_requested())
            && self.board().live_jobs() > 0
            && self.quit != Quit::Confirmed
        {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.quit = Quit::Asking;
        }
    }

    fn views_ui(&mut self, ui: &mut Ui) {
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
                .default_size(280.0)
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
            table_ui(
                ui,
                board,
                self.selected,
                std::mem::take(&mut self.scroll_to_selected),
                now,
                commands,
            );
        });
        self.dialogs_ui(&ui.ctx().clone());
    }

    /// The windows over the views: Settings, Open job file, and the
    /// question before quitting with jobs live.
    fn dialogs_ui(&mut self, ctx: &egui::Context) {
        let commands = &mut self.commands;
        let mut open = self.settings_open;
        egui::Window::new("Settings")
            .open(&mut open)
            .resizable(false)
            .collapsible(false)
            .default_pos([380.0, 90.0])
            .show(ctx, |ui| settings_ui(ui, &self.settings, commands));
        if !open {
            self.settings_open = false;
        }
        if let Some(state) = &mut self.open_file {
            let mut open = true;
            egui::Window::new("Open job file")
                .open(&mut open)
                .collapsible(false)
                .default_pos([380.0, 90.0])
                .show(ctx, |ui| open_file_ui(ui, state, commands));
            if !open {
                self.open_file = None;
            }
        }
        if self.quit == Quit::Asking {
            quit_modal(ctx, self.session.board().live_jobs(), commands);
        }
    }

    fn apply_commands(&mut self, ctx: &Context) {
        for command in std::mem::take(&mut self.commands) {
            self.apply(command, ctx);
        }
    }

    fn apply(&mut self, command: Command, ctx: &Context) {
        match command {
            Command::Start(kind) => {
                let name = self.next_name(&kind);
                self.start(JobSpec::new(name, kind));
            }
            Command::OpenJobFile(path) => self.open_job_file(&path),
            Command::ShowOpenFile(open) => {
                self.open_file = open.then(|| self.open_file.take().unwrap_or_default());
            }
            Command::ShowError(message) => self.error = Some(message),
            Command::Stop(id) => {
                self.pool().stop(id);
            }
            Command::StopAll => self.pool().stop_all(),
            Command::Pause => self.pool().pause(),
            Command::Resume => self.pool().resume(),
            Command::Retry(id) => self.retry(id),
            Command::Remove(id) => {
                if self.session.remove(id) && self.selected == Some(id) {
                    self.selected = None;
                }
            }
            Command::Select(id) => self.selected = id,
            Command::OpenLogFile(path) => {
                // The viewer runs on its own; jobdeck does not wait for it.
                if let Err(err) = open::that_detached(&path) {
                    self.error = Some(format!("could not open {}: {err}", path.display()));
                }
            }
            Command::RetryRecorded(row) => self.with_recorder(|recorder, session, threads| {
                recorder.retry_recorded(session, row, threads)
            }),
            Command::RetryFailed(run) => self.with_recorder(|recorder, session, threads| {
                recorder.retry_failed(session, run, threads)
            }),
            Command::LoadRun(run) => {
                if let Some(recorder) = &mut self.recorder {
                    recorder.load_run(run);
                }
            }
            Command::PruneHistory => {
                let keep = self.settings.keep_history;
                self.with_recorder(|recorder, _, _| recorder.prune(keep));
            }
            Command::ClearHistory => self.with_recorder(|recorder, _, _| recorder.clear()),
            Command::ShowSettings(open) => self.settings_open = open,
            Command::ShowWorkers(open) => self.workers.is_shown = open,
            Command::ApplySettings(settings) => self.apply_settings(settings, ctx),
            Command::ConfirmQuit => {
                self.quit = Quit::Confirmed;
                self.pool().stop_all();
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
            Command::CancelQuit => self.quit = Quit::No,
        }
    }

    /// "Steps #3": the kind's label (or the command line) and how many
    /// such jobs were started.
    fn next_name(&mut self, kind: &JobKind) -> String {
        let base = base_name(kind);
        let n = self.started_per_name.entry(base.clone()).or_insert(0);
        *n += 1;
        format!("{base} #{n}")
    }

    /// Does something with the history, showing what came of it.
    fn with_recorder(
        &mut self,
        act: impl FnOnce(&mut Recorder, &mut Session, usize) -> Result<String, String>,
    ) {
        let threads = self.session.pool().max_threads();
        let Some(recorder) = &mut self.recorder else {
            return;
        };
        match act(recorder, &mut self.session, threads) {
            Ok(done) => {
                self.error = None;
                self.last_opened = Some(done);
            }
            Err(error) => self.error = Some(error),
        }
    }

    fn start(&mut self, spec: JobSpec) {
        let name = spec.name.clone();
        if let Some(recorder) = &mut self.recorder {
            recorder.before_toolbar_job(self.session.pool().max_threads());
        }
        match self
            .session
            .submit(Plan::single(Arc::new(spec), Vec::new()))
        {
            Ok(()) => self.error = None,
            Err(err) => self.error = Some(format!("could not start {name}: {err}")),
        }
    }

    /// Runs an ended job again, whichever way it was started; the selection
    /// follows it to its new row.
    fn retry(&mut self, id: JobId) {
        if let Some(recorder) = &self.recorder {
            recorder.before_retry(id);
        }
        let retried = self.session.retry(id);
        if self.selected == Some(id) {
            self.selected = retried.as_ref().ok().copied().flatten();
        }
        match retried {
            Ok(_) => self.error = None,
            Err(err) => self.error = Some(format!("could not retry: {err}")),
        }
    }

    /// Loads a job file and starts all its jobs, or none when the file is
    /// bad; the error (`file:line:column: ...`) is shown in the window.
    fn open_job_file(&mut self, path: &Path) {
        let result = crate::jobfile::load(path)
            .map_err(|err| err.to_string())
            .and_then(|file| self.submit_job_file(file));
        match result {
            Ok(started) => {
                self.error = None;
                self.open_file = None;
                self.last_opened = Some(format!("{}: {started}", path.display()));
            }
            Err(message) => {
                if let Some(state) = &mut self.open_file {
                    state.error = Some(message.clone());
                }
                self.error = Some(message);
            }
        }
    }

    /// Submits a job file's jobs; says what was started. A file's
    /// `max_threads` holds while jobs run, without touching the saved
    /// setting; its `halt` policy watches its jobs (and no others).
    fn submit_job_file(&mut self, file: JobFile) -> Result<String, String> {
        // Only what needs no answer from a cluster (its commands on PATH):
        // the window must not wait on one. A cluster that does not answer
        // fails its jobs after a bounded wait, saying so.
        for cluster in file.plan.clusters() {
            self.session
                .context()
                .clusters
                .check_commands(&cluster)
                .map_err(|err| {
                    format!(
                        "{}: its jobs run on {}, but {err}",
                        file.path.display(),
                        cluster.name()
                    )
                })?;
        }
        let count = file.plan.jobs.len();
        let mut started = format!("{count} job(s) started");
        self.halted = None;
        let halt = file.halt.map(|policy| {
            let _ = write!(started, ", halting as {policy}");
            HaltSink::new(policy, file.plan.jobs.iter().map(|job| job.id))
        });
        if let Some(max_threads) = file.max_threads {
            self.pool()
                .set_max_threads(max_threads)
                .map_err(|err| err.to_string())?;
            self.file_max_threads = Some(max_threads);
            let _ = write!(
                started,
                ", {max_threads} at a time (the file's max_threads) until all have ended; Settings keep {}",
                self.settings.max_threads
            );
        }
        if let Some((sink, watch)) = halt {
            self.session.add_sink(Box::new(sink));
            self.halts.push((file.path.clone(), watch));
        }
        if let Some(recorder) = &mut self.recorder {
            recorder.before_job_file(&file.path, &file.plan, self.session.pool().max_threads());
        }
        self.session
            .submit(file.plan)
            .map_err(|err| format!("{}: {err}", file.path.display()))?;
        Ok(started)
    }

    /// Says what a job file's halt policy did once it trips.
    fn notice_halts(&mut self) {
        let mut tripped = None;
        self.halts.retain(|(path, watch)| match watch.halted() {
            Some(halted) => {
                tripped = Some(format!("{}: {halted}", path.display()));
                false
            }
            None => true,
        });
        if tripped.is_some() {
            self.halted = tripped;
        }
        // Files whose jobs all ended without tripping theirs: nothing to say.
        if self.board().live_jobs() == 0 {
            self.halts.clear();
        }
    }

    /// Once every job has ended, a job file's thread cap gives way to the
    /// saved setting again.
    fn end_file_max_threads(&mut self) {
        if self.file_max_threads.is_some() && self.board().live_jobs() == 0 {
            self.file_max_threads = None;
            // The saved setting is clamped to the valid range: this cannot fail.
            let _ = self.pool().set_max_threads(self.settings.max_threads);
        }
    }

    fn apply_settings(&mut self, settings: Settings, ctx: &Context) {
        let settings = settings.clamped();
        // A person's choice wins over a job file's.
        self.file_max_threads = None;
        match self.pool().set_max_threads(settings.max_threads) {
            Ok(()) => self.error = None,
            Err(err) => self.error = Some(err.to_string()),
        }
        self.session.context_mut().default_grace = grace(&settings);
        if settings.theme != self.settings.theme {
            ctx.set_theme(settings.theme.preference());
        }
        self.settings = settings;
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

impl eframe::App for App {
    fn logic(&mut self, ctx: &Context, frame: &mut eframe::Frame) {
        self.repaint.log_frame(ctx, renderer::name_of(frame));
        self.install_waker(ctx);
        self.drain_events(ctx);
    }

    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        self.frame_ui(ui);
    }

    fn clear_color(&self, visuals: &egui::Visuals) -> [f32; 4] {
        renderer::clear_color(visuals)
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, SETTINGS_KEY, &self.settings);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        // Dropping the pool afterwards joins every thread; stopping first
        // lets jobs end in parallel rather than one join at a time.
        self.pool().stop_all();
        self.close_history();
    }
}

impl App {
    /// Records how this window's runs ended: the stopped jobs' ends (folded
    /// for as long as a stop may take), then the runs still live as closed.
    pub fn close_history(&mut self) {
        let Some(recorder) = &self.recorder else {
            return;
        };
        let deadline = Instant::now() + grace(&self.settings) + Duration::from_secs(1);
        while self.session.board().live_jobs() > 0 && Instant::now() < deadline {
            let _ = self.session.wait(Duration::from_millis(20), EVENT_BUDGET);
        }
        recorder.close();
    }
}

/// A name for a person: the kind's label, or the command line (cut short).
fn base_name(kind: &JobKind) -> String {
    match kind {
        JobKind::Demo(_) => kind.label().to_owned(),
        JobKind::Command(command) => {
            let line = command.command_line();
            match line.char_indices().nth(40) {
                Some((cut, _)) => format!("{}...", &line[..cut]),
                None => line,
            }
        }
    }
}

/// The stop grace period the settings ask for.
fn grace(settings: &Settings) -> Duration {
    // Clamped settings hold a finite, non-negative number of seconds.
    Duration::try_from_secs_f64(settings.stop_grace_secs)
        .unwrap_or(crate::jobs::command::DEFAULT_GRACE)
}
