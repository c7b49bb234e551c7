//! When the window draws a frame: at once for input (egui sees to that) and
//! for a change of a job's state (within [`CHANGE_FRAMES_PER_SEC`]), at most
//! every [`UPDATE_INTERVAL`] for progress, plot points and log lines, and
//! once a [`CLOCK_TICK`] for the clocks of running jobs. Nothing else asks
//! for frames, so a window with nothing running draws none.
//!
//! Why: under software rendering one frame of this window costs milliseconds
//! of CPU, and jobs report progress many times a second; drawing once per
//! event took most of a 2-core machine from the jobs on it
//! (`benches/window_cpu.sh` measures it).

use std::fmt::Write as _;
use std::fs::File;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use egui::Context;

use crate::engine::Wake;

/// Progress, plot points and log lines are drawn at most this often: ten
/// frames a second keep bars visibly live.
pub const UPDATE_INTERVAL: Duration = Duration::from_millis(100);

/// A job that starts or ends is drawn at once in a frame of its own, as long
/// as such frames stay within this many a second (after a burst of
/// [`CHANGE_BURST`]); past that, changes wait for the next update slot like
/// progress does. A storm of short jobs thus costs about what steady
/// progress does (`benches/window_cpu.sh`), and a lone job ending is seen at
/// once.
pub const CHANGE_FRAMES_PER_SEC: u32 = 3;

/// How many changes in a row may each get a frame of their own.
const CHANGE_BURST: u32 = 3;

/// Clocks of running jobs show whole seconds and all tick together, once
/// this often.
pub const CLOCK_TICK: Duration = Duration::from_secs(1);

/// Names a file to append a line to per frame (`frame <ms>`; `pass <ms>` for
/// a frame's extra layout pass), after a first line `renderer <glow|wgpu>`.
/// `benches/window_cpu.sh` counts frames with it.
pub const FRAME_LOG_ENV: &str = "JOBDECK_FRAME_LOG";

/// egui draws twice for a repaint asked with no delay (to let things
/// settle); what the engine sent needs one frame, asked for this soon.
const AT_ONCE: Duration = Duration::from_millis(1);

/// Timers may wake a frame a little before the time it asked for; a frame
/// this close to a clock tick or an update slot counts as on it.
const SLACK: Duration = Duration::from_millis(2);

/// No frame is asked for.
const NONE: u64 = u64::MAX;

/// What the engine's waker (on the job threads) and the frames (on the UI
/// thread) share: when the last frame began and when the next one is asked.
#[derive(Debug)]
struct Gate {
    epoch: Instant,
    /// When the last frame began, in nanoseconds since `epoch`.
    last_frame_ns: AtomicU64,
    /// When the frame asked for since then is due, in nanoseconds since
    /// `epoch`; [`NONE`] if none is.
    asked_ns: AtomicU64,
    /// Paces the frames of their own that changes get (a generic cell rate
    /// algorithm): each takes `1 s / CHANGE_FRAMES_PER_SEC` from here, and
    /// one may go while this is less than [`CHANGE_BURST`] of those ahead
    /// of now. Nanoseconds since `epoch`.
    change_credit_ns: AtomicU64,
}

impl Gate {
    fn new(epoch: Instant) -> Self {
        Self {
            epoch,
            last_frame_ns: AtomicU64::new(0),
            asked_ns: AtomicU64::new(NONE),
            change_credit_ns: AtomicU64::new(0),
        }
    }

    fn ns(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.epoch).as_nanos()).unwrap_or(NONE - 1)
    }

    /// Records a wake at `now`; returns the delay to ask egui for a frame
    /// with, or `None` when a frame due no later is asked for already.
    ///
    /// Updates are drawn on the next slot of a grid of [`UPDATE_INTERVAL`]
    /// after the last frame (so the clock ticks fall on update frames); a
    /// change at once if it gets a frame of its own, else on that slot too.
    fn ask(&self, wake: Wake, now: Instant) -> Option<Duration> {
        let slot = next_multiple(self.last_frame_ns.load(Ordering::Acquire), UPDATE_INTERVAL);
        let mut asked = self.asked_ns.load(Ordering::Acquire);
        // Most wakes end here, without reading the clock.
        if wake == Wake::Update && asked <= slot {
            return None;
        }
        let now_ns = self.ns(now);
        if asked <= now_ns {
            return None;
        }
        let due = if wake == Wake::Change && self.take_change_frame(now_ns) {
            now_ns
        } else {
            slot.max(now_ns)
        };
        loop {
            if asked <= due {
                return None;
            }
            match self.asked_ns.compare_exchange_weak(
                asked,
                due,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Some(Duration::from_nanos(due - now_ns).max(AT_ONCE)),
                Err(current) => asked = current,
            }
        }
    }

    /// Whether a change at `now_ns` may have a frame of its own; takes it.
    fn take_change_frame(&self, now_ns: u64) -> bool {
        let spacing = nanos(Duration::from_secs(1)) / u64::from(CHANGE_FRAMES_PER_SEC);
        let tolerance = spacing * u64::from(CHANGE_BURST - 1);
        let mut credit = self.change_credit_ns.load(Ordering::Acquire);
        loop {
            let from = credit.max(now_ns);
            if from - now_ns > tolerance {
                return false;
            }
            match self.change_credit_ns.compare_exchange_weak(
                credit,
                from + spacing,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return true,
                Err(current) => credit = current,
            }
        }
    }

    /// A frame begins at `now`: whatever was asked is being served, and
    /// what arrives from here on needs a new frame.
    fn frame_began(&self, now: Instant) {
        self.last_frame_ns.store(self.ns(now), Ordering::Release);
        self.asked_ns.store(NONE, Ordering::Release);
    }
}

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

/// The first multiple of `step` after `ns` (counting `ns` within [`SLACK`]
/// of a multiple as on it).
fn next_multiple(ns: u64, step: Duration) -> u64 {
    let step = nanos(step);
    (ns.saturating_add(nanos(SLACK)) / step).saturating_add(1) * step
}

/// Paces the window's frames; see the module docs.
#[derive(Debug)]
pub(crate) struct Repaint {
    gate: Arc<Gate>,
    frame_log: Option<FrameLog>,
}

impl Default for Repaint {
    fn default() -> Self {
        Self::new(Instant::now())
    }
}

impl Repaint {
    /// Pacing whose update slots and clock ticks count from `epoch`; frames
    /// are logged when [`FRAME_LOG_ENV`] names a file.
    pub(crate) fn new(epoch: Instant) -> Self {
        Self {
            gate: Arc::new(Gate::new(epoch)),
            frame_log: std::env::var_os(FRAME_LOG_ENV).and_then(|path| FrameLog::open(path.into())),
        }
    }

    /// The function to hand the engine as its waker: it asks `ctx` for a
    /// frame when the wake needs one sooner than already asked.
    pub(crate) fn waker(&self, ctx: &Context) -> impl Fn(Wake) + Send + Sync + 'static {
        let gate = Arc::clone(&self.gate);
        let ctx = ctx.clone();
        move |wake| {
            if let Some(delay) = gate.ask(wake, Instant::now()) {
                ctx.request_repaint_after(delay);
            }
        }
    }

    /// Call first thing in a frame, before reading events.
    pub(crate) fn frame_began(&self, now: Instant) {
        self.gate.frame_began(now);
    }

    /// The time the clocks on screen show at `now`: the last whole
    /// [`CLOCK_TICK`] since the epoch, so that every clock ticks at once.
    pub(crate) fn clock(&self, now: Instant) -> Instant {
        let ticks = (self.gate.ns(now) + nanos(SLACK)) / nanos(CLOCK_TICK);
        self.gate.epoch + CLOCK_TICK * u32::try_from(ticks).unwrap_or(u32::MAX)
    }

    /// Call last thing in a frame: while a clock is on screen (a job runs),
    /// asks for a frame at its next tick.
    pub(crate) fn frame_ended(&self, ctx: &Context, now: Instant, clocks_running: bool) {
        if clocks_running {
            let next_tick = self.clock(now) + CLOCK_TICK;
            ctx.request_repaint_after(next_tick.saturating_duration_since(now).max(AT_ONCE));
        }
    }

    /// Appends this frame (or layout pass) to the frame log, if there is one.
    pub(crate) fn log_frame(&mut self, ctx: &Context, renderer: &str) {
        let Some(log) = &mut self.frame_log else {
            return;
        };
        let at_ms = self.gate.epoch.elapsed().as_secs_f64() * 1000.0;
        if let Err(err) = log.write(renderer, ctx.current_pass_index() == 0, at_ms) {
            eprintln!(
                "jobdeck: stopped logging frames to {}: {err}",
                log.path.display()
            );
            self.frame_log = None;
        }
    }
}

/// The file named by [`FRAME_LOG_ENV`].
#[derive(Debug)]
struct FrameLog {
    path: PathBuf,
    file: File,
    wrote_header: bool,
}

impl FrameLog {
    fn open(path: PathBuf) -> Option<Self> {
        match File::create(&path) {
            Ok(file) => Some(Self {
                path,
                file,
                wrote_header: false,
            }),
            Err(err) => {
                eprintln!(
                    "jobdeck: {FRAME_LOG_ENV}: cannot write {}: {err}",
                    path.display()
                );
                None
            }
        }
    }

    fn write(&mut self, renderer: &str, first_pass: bool, at_ms: f64) -> std::io::Result<()> {
        let mut text = String::new();
        if !self.wrote_header {
            let _ = writeln!(text, "renderer {renderer}");
            self.wrote_header = true;
        }
        let kind = if first_pass { "frame" } else { "pass" };
        let _ = writeln!(text, "{kind} {at_ms:.1}");
        // One write per frame: whole lines, even for a reader mid-run.
        self.file.write_all(text.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn progress_right_after_a_frame_waits_for_the_next_update_slot() {
        let epoch = Instant::now();
        let gate = Gate::new(epoch);
        gate.frame_began(epoch + ms(1_000));
        assert_eq!(gate.ask(Wake::Update, epoch + ms(1_010)), Some(ms(90)));
    }

    #[test]
    fn a_burst_of_progress_asks_for_one_frame() {
        let epoch = Instant::now();
        let gate = Gate::new(epoch);
        gate.frame_began(epoch + ms(1_000));
        let asked: Vec<_> = (0..1_000)
            .filter_map(|i| gate.ask(Wake::Update, epoch + ms(1_010) + Duration::from_micros(i)))
            .collect();
        assert_eq!(asked, [ms(90)]);
    }

    #[test]
    fn progress_after_a_quiet_spell_is_drawn_at_once() {
        let epoch = Instant::now();
        let gate = Gate::new(epoch);
        gate.frame_began(epoch + ms(1_000));
        assert_eq!(gate.ask(Wake::Update, epoch + ms(5_000)), Some(AT_ONCE));
    }

    #[test]
    fn a_job_ending_is_drawn_at_once_even_when_progress_waits() {
        let epoch = Instant::now();
        let gate = Gate::new(epoch);
        gate.frame_began(epoch + ms(1_000));
        assert_eq!(gate.ask(Wake::Update, epoch + ms(1_060)), Some(ms(40)));
        assert_eq!(gate.ask(Wake::Change, epoch + ms(1_070)), Some(AT_ONCE));
        // That frame is due already: nothing more to ask.
        assert_eq!(gate.ask(Wake::Change, epoch + ms(1_071)), None);
        gate.frame_began(epoch + ms(1_072));
        assert_eq!(gate.ask(Wake::Change, epoch + ms(1_080)), Some(AT_ONCE));
    }

    #[test]
    fn a_storm_of_changes_gets_a_few_frames_of_its_own_and_then_the_update_slots() {
        let epoch = Instant::now();
        let gate = Gate::new(epoch);
        let mut own_frames = 0;
        let mut asked = Vec::new();
        // A job starts or ends every 10 ms for two seconds; a frame comes
        // on every update slot, and at once when one was asked for so.
        for i in 0..200 {
            let now = epoch + ms(1_000 + i * 10);
            if i % 10 == 0 {
                gate.frame_began(now);
            }
            match gate.ask(Wake::Change, now) {
                Some(AT_ONCE) => {
                    own_frames += 1;
                    gate.frame_began(now);
                }
                Some(delay) => asked.push(delay),
                None => {}
            }
        }
        // A burst, then the rate, over two seconds (less the last spacing).
        let most = CHANGE_BURST + 2 * CHANGE_FRAMES_PER_SEC;
        assert!((most - 1..=most).contains(&own_frames), "{own_frames}");
        assert!(
            asked.iter().all(|&delay| delay <= UPDATE_INTERVAL),
            "{asked:?}"
        );
    }

    #[test]
    fn what_arrives_after_a_frame_began_asks_again() {
        let epoch = Instant::now();
        let gate = Gate::new(epoch);
        gate.frame_began(epoch + ms(1_000));
        assert!(gate.ask(Wake::Update, epoch + ms(1_010)).is_some());
        gate.frame_began(epoch + ms(1_100));
        assert_eq!(gate.ask(Wake::Update, epoch + ms(1_101)), Some(ms(99)));
    }

    #[test]
    fn update_frames_fall_on_the_slots_where_clocks_tick() {
        let epoch = Instant::now();
        let gate = Gate::new(epoch);
        // A frame that woke a little early counts as on its slot.
        gate.frame_began(epoch + ms(1_899) + Duration::from_micros(500));
        assert_eq!(gate.ask(Wake::Update, epoch + ms(1_900)), Some(ms(100)));
    }

    #[test]
    fn clocks_show_whole_ticks_since_the_epoch() {
        let epoch = Instant::now();
        let repaint = Repaint::new(epoch);
        assert_eq!(repaint.clock(epoch + ms(2_999)), epoch + ms(3_000));
        assert_eq!(repaint.clock(epoch + ms(2_500)), epoch + ms(2_000));
        assert_eq!(repaint.clock(epoch + ms(3_000)), epoch + ms(3_000));
    }

    /// The delays `ctx` passes its integration, as eframe would see them.
    fn recorded_requests(ctx: &Context) -> Arc<Mutex<Vec<Duration>>> {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&requests);
        ctx.set_request_repaint_callback(move |info| record.lock().unwrap().push(info.delay));
        requests
    }

    #[test]
    fn the_waker_asks_egui_once_for_a_flood_of_progress() {
        let ctx = Context::default();
        let requests = recorded_requests(&ctx);
        let repaint = Repaint::new(Instant::now());
        repaint.frame_began(Instant::now());
        let wake = repaint.waker(&ctx);
        for _ in 0..10_000 {
            wake(Wake::Update);
        }
        let requests = requests.lock().unwrap();
        assert_eq!(requests.len(), 1, "{requests:?}");
        assert!(requests[0] <= UPDATE_INTERVAL, "{requests:?}");
    }

    #[test]
    fn frame_ended_asks_for_the_next_clock_tick_only_while_clocks_run() {
        let ctx = Context::default();
        let requests = recorded_requests(&ctx);
        let epoch = Instant::now();
        let repaint = Repaint::new(epoch);
        repaint.frame_ended(&ctx, epoch + ms(400), false);
        assert!(requests.lock().unwrap().is_empty());
        repaint.frame_ended(&ctx, epoch + ms(400), true);
        assert_eq!(*requests.lock().unwrap(), [ms(600)]);
    }
}
