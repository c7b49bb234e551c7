//! When the window draws a frame: at once for input (egui sees to that) and
//! for a change of a job's state, at most every [`UPDATE_INTERVAL`] for
//! progress, plot points and log lines, and once a [`CLOCK_TICK`] for the
//! clocks of running jobs. Nothing else asks for frames, so a window with
//! nothing running draws none.
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

/// A job that starts or ends is drawn at once, unless the last frame is
/// younger than this; then when it is this old. A storm of short jobs thus
/// costs at most twenty frames a second.
pub const CHANGE_GAP: Duration = Duration::from_millis(50);

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
}

impl Gate {
    fn new(epoch: Instant) -> Self {
        Self {
            epoch,
            last_frame_ns: AtomicU64::new(0),
            asked_ns: AtomicU64::new(NONE),
        }
    }

    fn ns(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.epoch).as_nanos()).unwrap_or(NONE - 1)
    }

    /// The earliest a frame for `wake` may come, seen from the last frame:
    /// the next update slot (updates are drawn on a grid of
    /// [`UPDATE_INTERVAL`], so the clock ticks fall on update frames), or
    /// [`CHANGE_GAP`] after the last frame.
    fn earliest_ns(&self, wake: Wake) -> u64 {
        let last = self.last_frame_ns.load(Ordering::Acquire);
        match wake {
            Wake::Update => next_multiple(last, UPDATE_INTERVAL),
            Wake::Change => last.saturating_add(nanos(CHANGE_GAP)),
        }
    }

    /// Records a wake at `now`; returns the delay to ask egui for a frame
    /// with, or `None` when a frame due no later is asked for already.
    fn ask(&self, wake: Wake, now: Instant) -> Option<Duration> {
        let earliest = self.earliest_ns(wake);
        let mut asked = self.asked_ns.load(Ordering::Acquire);
        // Most wakes end here, without reading the clock.
        if asked <= earliest {
            return None;
        }
        let now_ns = self.ns(now);
        let due = earliest.max(now_ns);
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
        // Due at 1,050 ms (the gap), which is before the update slot.
        assert_eq!(gate.ask(Wake::Change, epoch + ms(1_020)), Some(ms(30)));
        assert_eq!(gate.ask(Wake::Change, epoch + ms(1_070)), None);
        gate.frame_began(epoch + ms(1_070));
        assert_eq!(gate.ask(Wake::Change, epoch + ms(1_200)), Some(AT_ONCE));
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
