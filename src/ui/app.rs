//! The app: owns the pool, its events and the board; draws the views and
//! applies what they ask after each frame.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use egui::{Context, Ui};

use super::details::details_ui;
use super::plots::{PlotState, plots_ui};
use super::settings::{SETTINGS_KEY, settings_ui};
use super::table::{overall_ui, table_ui};
use super::toolbar::{START_SHORTCUT, STOP_ALL_SHORTCUT, ToolbarState, toolbar_ui};
use super::{Command, Settings};
use crate::board::Board;
use crate::engine::{EngineError, EventReceiver, JobId, NewJob, Pool};
use crate::jobs::DemoJob;

/// How long one frame may spend folding events before it draws and asks for
/// another frame; keeps the window responsive during floods.
pub const EVENT_BUDGET: Duration = Duration::from_millis(4);

/// While jobs run, clocks on screen move even without events; redraw this
/// often for them.
const CLOCK_REPAINT: Duration = Duration::from_millis(250);

/// How a job can be started again (for Retry).
#[derive(Clone, Debug)]
struct Recipe {
    name: String,
    job: DemoJob,
}

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
    pool: Pool,
    events: EventReceiver,
    board: Board,
    settings: Settings,
    toolbar: ToolbarState,
    plots: PlotState,
    selected: Option<JobId>,
    recipes: HashMap<JobId, Recipe>,
    started_per_kind: HashMap<&'static str, u64>,
    commands: Vec<Command>,
    settings_open: bool,
    waker_installed: bool,
    quit: Quit,
    /// The last thing the engine refused, shown until the next success.
    error: Option<String>,
}

impl App {
    /// A window state with an empty board and a pool sized by `settings`.
    ///
    /// # Errors
    /// When the pool cannot be created.
    pub fn new(settings: Settings) -> Result<Self, EngineError> {
        let settings = settings.clamped();
        let (pool, events) = Pool::new(settings.max_threads)?;
        Ok(Self {
            pool,
            events,
            board: Board::new(),
            settings,
            toolbar: ToolbarState::default(),
            plots: PlotState::default(),
            selected: None,
            recipes: HashMap::new(),
            started_per_kind: HashMap::new(),
            commands: Vec::new(),
            settings_open: false,
            waker_installed: false,
            quit: Quit::No,
            error: None,
        })
    }

    /// A window state with the settings saved by a previous run, if any.
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

    /// What the views show.
    #[must_use]
    pub fn board(&self) -> &Board {
        &self.board
    }

    /// The engine (read-only: change it through [`Command`]s).
    #[must_use]
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// The settings in use.
    #[must_use]
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The job selected for details.
    #[must_use]
    pub fn selected(&self) -> Option<JobId> {
        self.selected
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
        self.install_waker(&ctx);
        self.drain_events(&ctx);
        self.shortcuts(&ctx);
        self.watch_close_request(&ctx);
        self.views_ui(ui);
        self.apply_commands(&ctx);
        if self.board.live_jobs() > 0 {
            ctx.request_repaint_after(CLOCK_REPAINT);
        }
    }

    /// Hands the pool a way to wake this window (once).
    fn install_waker(&mut self, ctx: &Context) {
        if !self.waker_installed {
            let ctx = ctx.clone();
            self.pool.set_waker(move || ctx.request_repaint());
            self.waker_installed = true;
        }
    }

    /// Folds waiting events into the board for at most [`EVENT_BUDGET`];
    /// when some are left, asks for another frame at once.
    pub fn drain_events(&mut self, ctx: &Context) {
        let start = Instant::now();
        let mut now = start;
        let mut folded = 0_u32;
        while let Ok(event) = self.events.try_recv() {
            self.board.apply_at(event, now);
            folded += 1;
            // Reading the clock costs more than folding an event.
            if folded.is_multiple_of(64) {
                now = Instant::now();
                if now - start > EVENT_BUDGET {
                    ctx.request_repaint();
                    break;
                }
            }
        }
    }

    fn shortcuts(&mut self, ctx: &Context) {
        let (start, stop_all) = ctx.input_mut(|input| {
            (
                input.consume_shortcut(&START_SHORTCUT),
                input.consume_shortcut(&STOP_ALL_SHORTCUT),
            )
        });
        if start {
            self.commands
                .push(Command::Start(self.toolbar.recipe().clone()));
        }
        if stop_all {
            self.commands.push(Command::StopAll);
        }
    }

    /// Closing with live jobs needs a confirmation first.
    fn watch_close_request(&mut self, ctx: &Context) {
        if ctx.input(|i| i.viewport().close_requested())
            && self.board.live_jobs() > 0
            && self.quit != Quit::Confirmed
        {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.quit = Quit::Asking;
        }
    }

    fn views_ui(&mut self, ui: &mut Ui) {
        let now = Instant::now();
        let commands = &mut self.commands;
        egui::Panel::top("toolbar").show(ui, |ui| {
            ui.add_space(4.0);
            toolbar_ui(ui, &mut self.toolbar, self.pool.is_paused(), commands);
            ui.add_space(2.0);
        });
        egui::Panel::top("overall").show(ui, |ui| {
            ui.add_space(2.0);
            overall_ui(ui, &self.board, now);
            if let Some(error) = &self.error {
                ui.colored_label(ui.visuals().error_fg_color, error);
            }
            ui.add_space(2.0);
        });
        egui::Panel::right("details")
            .default_size(320.0)
            .show(ui, |ui| {
                let job = self.selected.and_then(|id| self.board.job(id));
                details_ui(ui, job, now);
            });
        egui::Panel::bottom("plots")
            .resizable(true)
            .default_size(280.0)
            .show(ui, |ui| plots_ui(ui, &self.board, &mut self.plots));
        egui::CentralPanel::default_margins().show(ui, |ui| {
            table_ui(ui, &self.board, self.selected, now, commands);
        });
        let ctx = ui.ctx().clone();
        let mut open = self.settings_open;
        egui::Window::new("Settings")
            .open(&mut open)
            .resizable(false)
            .collapsible(false)
            .show(&ctx, |ui| settings_ui(ui, &self.settings, commands));
        if !open {
            self.settings_open = false;
        }
        if self.quit == Quit::Asking {
            quit_modal(&ctx, self.board.live_jobs(), commands);
        }
    }

    fn apply_commands(&mut self, ctx: &Context) {
        for command in std::mem::take(&mut self.commands) {
            self.apply(command, ctx);
        }
    }

    fn apply(&mut self, command: Command, ctx: &Context) {
        match command {
            Command::Start(job) => {
                let name = self.next_name(&job);
                self.start(name, job);
            }
            Command::Stop(id) => {
                self.pool.stop(id);
            }
            Command::StopAll => self.pool.stop_all(),
            Command::Pause => self.pool.pause(),
            Command::Resume => self.pool.resume(),
            Command::Retry(id) => {
                if let Some(recipe) = self.recipes.get(&id).cloned()
                    && self.board.remove(id)
                {
                    self.recipes.remove(&id);
                    let new_id = self.start(recipe.name, recipe.job);
                    if self.selected == Some(id) {
                        self.selected = new_id;
                    }
                }
            }
            Command::Remove(id) => {
                if self.board.remove(id) {
                    self.recipes.remove(&id);
                    if self.selected == Some(id) {
                        self.selected = None;
                    }
                }
            }
            Command::Select(id) => self.selected = id,
            Command::ShowSettings(open) => self.settings_open = open,
            Command::ApplySettings(settings) => self.apply_settings(settings, ctx),
            Command::ConfirmQuit => {
                self.quit = Quit::Confirmed;
                self.pool.stop_all();
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
            Command::CancelQuit => self.quit = Quit::No,
        }
    }

    /// "Steps #3": the kind's label and how many of that kind were started.
    fn next_name(&mut self, job: &DemoJob) -> String {
        let kind = job.kind();
        let n = self.started_per_kind.entry(kind.key()).or_insert(0);
        *n += 1;
        format!("{} #{n}", kind.label())
    }

    fn start(&mut self, name: String, job: DemoJob) -> Option<JobId> {
        let new_job = NewJob::new(job.clone());
        let id = new_job.id();
        // Recorded before submitting, so even its first event finds its row.
        self.board
            .add_job(id, name.clone(), job.kind().key(), Instant::now());
        match self.pool.submit(new_job) {
            Ok(_) => {
                self.recipes.insert(id, Recipe { name, job });
                self.error = None;
                Some(id)
            }
            Err(err) => {
                self.error = Some(format!("could not start {name}: {err}"));
                None
            }
        }
    }

    fn apply_settings(&mut self, settings: Settings, ctx: &Context) {
        let settings = settings.clamped();
        match self.pool.set_max_threads(settings.max_threads) {
            Ok(()) => self.error = None,
            Err(err) => self.error = Some(err.to_string()),
        }
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
    fn logic(&mut self, ctx: &Context, _frame: &mut eframe::Frame) {
        self.install_waker(ctx);
        self.drain_events(ctx);
    }

    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        self.frame_ui(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, SETTINGS_KEY, &self.settings);
    }

    fn on_exit(&mut self) {
        // Dropping the pool afterwards joins every thread; stopping first
        // lets jobs end in parallel rather than one join at a time.
        self.pool.stop_all();
    }
}
