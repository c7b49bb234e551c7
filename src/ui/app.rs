//! The app: owns the session (pool, events, board); draws the views and
//! applies what they ask after each frame.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::{Context, Ui};

use super::log_view::LogView;
use super::open_file::OpenFileState;
use super::plots::PlotState;
use super::recorded::Recorder;
use super::renderer;
use super::repaint::Repaint;
use super::settings::SETTINGS_KEY;
use super::table::TableState;
use super::title::WindowTitle;
use super::toolbar::ToolbarState;
use super::workers::WorkersState;
use super::{Command, Settings};

mod desktop;
mod input;
mod job_control;
mod job_files;
mod views;
use crate::board::{Board, StateClass};
use crate::engine::{EngineError, JobId, Pool};
use crate::history::History;
use crate::jobspec::{BuildContext, JobKind, JobSpec, Plan};
use crate::session::{HaltWatch, Session};

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
    /// The table's order and filter.
    table: TableState,
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
    /// The file dialog and the notifications.
    desktop: desktop::Desktop,
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
            table: TableState::default(),
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
            desktop: desktop::Desktop::default(),
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

    /// The table's order and filter (benchmarks set them).
    pub fn table_mut(&mut self) -> &mut TableState {
        &mut self.table
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
        self.take_picked();
        self.views_ui(ui);
        self.apply_commands(&ctx);
        self.end_file_max_threads();
        self.update_title(&ctx);
        self.notify_batch_end(Instant::now());
        let board = self.board();
        let clocks = board.count(StateClass::Running)
            + board.count(StateClass::Stopping)
            + board.count(StateClass::Paused);
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

    /// Puts the batch's progress in the window title.
    fn update_title(&mut self, ctx: &Context) {
        self.title.update(ctx, self.session.board(), Instant::now());
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
            Command::PickFile(what) => self.pick_file(what, ctx),
            Command::ShowError(message) => self.error = Some(message),
            Command::Stop(id) => {
                self.pool().stop(id);
            }
            Command::PauseJob(id, paused) => self.pause_job(id, paused),
            Command::SetPriority(id, priority) => self.set_priority(id, priority),
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
