//! Full-log benchmarks: opening the full log of a 1,000,000-line job and
//! jumping to its end (time and peak memory), and the log view's frame
//! time on a screen full of coloured lines. Prints one `RESULT` line per
//! workload, last.
//!
//! Run with `cargo bench --bench log_view`.

use std::fs::File;
use std::hint::black_box;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jobdeck::board::Board;
use jobdeck::engine::{Event, EventKind, JobId, Outcome, Output, Stream};
use jobdeck::full_log::{FullLog, Mark, Origin, encode, marks_path};
use jobdeck::jobspec::{CommandSpec, JobKind, JobSpec};
use jobdeck::ui::{App, Settings};

/// Lines of the big log.
const LINES: usize = 1_000_000;
/// Runs per workload; medians are reported.
const RUNS: usize = 5;
/// Frames timed per frame benchmark run (after warm-up).
const FRAMES: usize = 20;

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Writes a log of `lines` lines like a build's: mostly stdout, every
/// 10th line on stderr, most lines coloured (or none, without `colour`),
/// a redrawn bar every 100th. Returns the log's size in bytes.
fn write_big_log(path: &Path, lines: usize, colour: bool) -> u64 {
    let mut log = BufWriter::new(File::create(path).unwrap());
    let mut marks = BufWriter::new(File::create(marks_path(path)).unwrap());
    let mut offset = 0_u64;
    let mut origin = None;
    for n in 0..lines {
        let stream = if n % 10 == 9 {
            Stream::Stderr
        } else {
            Stream::Stdout
        };
        if origin != Some(stream) {
            marks
                .write_all(&encode(offset, Mark::From(Origin::Program(stream))))
                .unwrap();
            origin = Some(stream);
        }
        let line = match n % 4 {
            0 => format!("\x1b[1m\x1b[32m   Compiling\x1b[0m crate-{n} v0.1.{n}\n"),
            1 => format!("\x1b[33mwarning\x1b[0m: unused variable `x{n}` in src/lib.rs:{n}\n"),
            2 if n % 100 == 2 => {
                format!("\r 10%|\x1b[32m#   \x1b[0m|\r100%|\x1b[32m####\x1b[0m| {n}\n")
            }
            _ => format!("test tests::case_{n} ... \x1b[32mok\x1b[0m\n"),
        };
        let line = if colour { line } else { strip_sgr(&line) };
        log.write_all(line.as_bytes()).unwrap();
        offset += line.len() as u64;
    }
    log.flush().unwrap();
    marks.flush().unwrap();
    offset
}

/// `line` without its SGR sequences (the plain twin of a coloured line).
fn strip_sgr(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find('\x1b') {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let end = after.find('m').map_or(after.len(), |m| m + 1);
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Peak resident memory of this process so far, in KiB (`VmHWM`).
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Seconds to index the whole log and read its last screen of lines.
fn open_and_jump_to_end(path: &Path) -> (f64, usize) {
    let start = Instant::now();
    let mut log = FullLog::new(path);
    while !log
        .refresh(Instant::now() + Duration::from_secs(3600))
        .caught_up
    {}
    let end = log.lines();
    black_box(log.lines_in(end.saturating_sub(60)..end));
    (start.elapsed().as_secs_f64(), log.memory_bytes())
}

/// A window whose board holds one ended command job with its full log in
/// `dir` (under the job's id), selected; returns it with the log's path.
fn window_on_log(dir: &Path) -> (App, PathBuf) {
    let now = Instant::now();
    let id = JobId::new();
    let mut command = CommandSpec::from_command_line("build").unwrap();
    command.log_dir = Some(dir.to_owned());
    let mut board = Board::new_at(now);
    board.add_job(
        id,
        Arc::new(JobSpec::new("build", JobKind::Command(command))),
        now,
    );
    for kind in [
        EventKind::Started {
            worker: Some(0),
            attempt: 1,
        },
        EventKind::Finished(Outcome::Succeeded(Output::exit(0, "exited with code 0"))),
    ] {
        board.apply_at(Event { job: id, kind }, now);
    }
    let mut app = App::with_board(Settings::default(), board).expect("a pool");
    app.select(Some(id));
    (app, dir.join(format!("{id}.log")))
}

/// Runs headless frames of a 1280×800 window.
struct Frames {
    ctx: egui::Context,
}

impl Frames {
    fn frame(&self, app: &mut App) {
        let input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(
                egui::Pos2::ZERO,
                egui::vec2(1280.0, 800.0),
            )),
            ..Default::default()
        };
        let output = self.ctx.run_ui(input, |ui| app.frame_ui(ui));
        black_box(self.ctx.tessellate(output.shapes, output.pixels_per_point));
    }
}

/// Opens the window on a job whose full log has `lines` lines and runs
/// frames until the view has read it all and stands at its end; returns
/// the seconds and frames that took.
fn window_jump_to_end(lines: usize) -> (f64, usize) {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, path) = window_on_log(dir.path());
    write_big_log(&path, lines, true);
    let frames = Frames {
        ctx: egui::Context::default(),
    };
    let start = Instant::now();
    let mut count = 0;
    loop {
        frames.frame(&mut app);
        count += 1;
        let done = app
            .log_view()
            .and_then(jobdeck::ui::LogView::indexed)
            .is_some_and(|(indexed, read, len)| read == len && len > 0 && indexed > 0);
        if done {
            // One more to draw the end.
            frames.frame(&mut app);
            return (start.elapsed().as_secs_f64(), count + 1);
        }
    }
}

/// Median milliseconds of one headless frame (logic, layout, tessellation)
/// of the window showing a screen full of log lines, coloured or plain.
fn log_frame_ms(colour: bool) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, path) = window_on_log(dir.path());
    write_big_log(&path, 10_000, colour);
    let frames = Frames {
        ctx: egui::Context::default(),
    };
    // Read the log, size panels, build the font atlas.
    for _ in 0..30 {
        frames.frame(&mut app);
    }
    let runs = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..FRAMES {
                frames.frame(&mut app);
            }
            start.elapsed().as_secs_f64() * 1000.0 / FRAMES as f64
        })
        .collect();
    median(runs)
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.log");
    let bytes = write_big_log(&path, LINES, true);
    let rss_before = peak_rss_kib();
    let runs: Vec<(f64, usize)> = (0..RUNS).map(|_| open_and_jump_to_end(&path)).collect();
    let rss_after = peak_rss_kib();
    let secs = median(runs.iter().map(|run| run.0).collect());
    let memory = runs[0].1;
    println!(
        "RESULT open_full_log lines={LINES} bytes={bytes} secs={secs:.3} mb_per_sec={:.0} index_and_pages_kib={} peak_rss_growth_kib={}",
        bytes as f64 / secs / 1e6,
        memory / 1024,
        rss_after.saturating_sub(rss_before)
    );
    let (window_secs, window_frames) = window_jump_to_end(LINES);
    println!(
        "RESULT window_jump_to_end lines={LINES} secs={window_secs:.3} frames={window_frames}"
    );
    let coloured = log_frame_ms(true);
    let plain = log_frame_ms(false);
    println!(
        "RESULT log_frame frame_ms={coloured:.2} plain_frame_ms={plain:.2} ratio={:.2}",
        coloured / plain
    );
}
