//! Full-log benchmarks: opening the full log of a 1,000,000-line job and
//! jumping to its end (time and peak memory), and the log view's frame
//! time on a screen full of coloured lines. Prints one `RESULT` line per
//! workload, last.
//!
//! Run with `cargo bench --bench log_view`.

use std::fs::File;
use std::hint::black_box;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use jobdeck::engine::Stream;
use jobdeck::full_log::{FullLog, Mark, Origin, encode, marks_path};

/// Lines of the big log.
const LINES: usize = 1_000_000;
/// Runs per workload; medians are reported.
const RUNS: usize = 5;

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Writes a log of `lines` lines like a build's: mostly stdout, every
/// 10th line on stderr, most lines coloured, a redrawn bar every 100th.
/// Returns the log's size in bytes.
fn write_big_log(path: &Path, lines: usize) -> u64 {
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
        log.write_all(line.as_bytes()).unwrap();
        offset += line.len() as u64;
    }
    log.flush().unwrap();
    marks.flush().unwrap();
    offset
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

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.log");
    let bytes = write_big_log(&path, LINES);
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
}
