//! A command job's full log on disk: the program's bytes as it wrote
//! them (escape sequences, `\r` redraws and all), stdout and stderr in the
//! order they were read, and beside it a marks file that says which stream
//! wrote which bytes (see [`crate::full_log`] for the format).
//!
//! The files are opened (and their directory created) when the first
//! output is written, not when the job starts: creating a file costs about
//! a millisecond on an ordinary disk, which is more than a short program
//! like `true` takes to run. A program that prints nothing (and is never
//! paused) leaves no log file at all. From the second attempt on, each
//! attempt that writes something starts with a `--- jobdeck: attempt N ---`
//! note, and each attempt ends with an end mark.
//!
//! Output is buffered, and the buffer goes to the files (see [`Flushing`])
//! at least every [`FLUSH_EVERY`] while output flows, when it holds
//! [`BUFFER_BYTES`], and as soon as the program pauses for breath: a slow
//! program's every line is on disk at once. Marks are written before the
//! bytes they cover. If jobdeck is killed, the file holds what the program
//! printed up to about [`FLUSH_EVERY`] before.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::engine::JobContext;
use crate::full_log::{Mark, Origin, encode, marks_path};

/// Output held in memory before it goes to the file, at most.
const BUFFER_BYTES: usize = 64 * 1024;

/// The job's full log on disk. Problems writing it are reported once in the
/// job's log and otherwise ignored: a full disk must not fail the job.
pub(crate) struct LogFile {
    path: PathBuf,
    attempt: u32,
    state: State,
    flushing: Flushing,
}

enum State {
    /// Nothing written yet in this attempt; the file may not exist.
    Unopened,
    Open(Files),
    /// Opening or writing failed; the rest of the attempt is not logged.
    Broken,
}

/// The open log and marks files, with what waits to be written to them.
struct Files {
    log: File,
    marks: File,
    /// The log's length once everything buffered is written.
    end: u64,
    /// Whose bytes the log ends with.
    origin: Option<Origin>,
    log_buffer: Vec<u8>,
    marks_buffer: Vec<u8>,
}

impl Files {
    fn open(path: &Path) -> io::Result<Self> {
        let log = open_appending(path)?;
        let marks = open_appending(&marks_path(path))?;
        let end = log.metadata()?.len();
        Ok(Self {
            log,
            marks,
            end,
            origin: None,
            log_buffer: Vec::with_capacity(BUFFER_BYTES),
            marks_buffer: Vec::new(),
        })
    }

    fn append(&mut self, origin: Origin, bytes: &[u8]) {
        if self.origin != Some(origin) {
            self.mark(Mark::From(origin));
            self.origin = Some(origin);
        }
        self.log_buffer.extend_from_slice(bytes);
        self.end += bytes.len() as u64;
    }

    fn mark(&mut self, mark: Mark) {
        self.marks_buffer.extend_from_slice(&encode(self.end, mark));
    }

    /// Marks first, so no byte reaches the log before its mark.
    fn flush(&mut self) -> io::Result<()> {
        self.marks.write_all(&self.marks_buffer)?;
        self.marks_buffer.clear();
        self.log.write_all(&self.log_buffer)?;
        self.log_buffer.clear();
        Ok(())
    }
}

impl LogFile {
    /// A log at `path` for the attempt `ctx` runs; nothing touches the disk
    /// until the first [`write`](Self::write).
    pub(crate) fn new(path: PathBuf, ctx: &JobContext) -> Self {
        Self {
            path,
            attempt: ctx.attempt(),
            state: State::Unopened,
            flushing: Flushing::new(Instant::now()),
        }
    }

    /// Appends `bytes` written by `origin`, opening the files first if this
    /// is the first output of the attempt.
    pub(crate) fn write(&mut self, origin: Origin, bytes: &[u8], ctx: &JobContext) {
        if matches!(self.state, State::Unopened) {
            self.state = match Files::open(&self.path) {
                Ok(mut files) => {
                    if self.attempt > 1 {
                        let note = format!("--- jobdeck: attempt {} ---\n", self.attempt);
                        files.append(Origin::Jobdeck, note.as_bytes());
                    }
                    State::Open(files)
                }
                Err(error) => {
                    ctx.log(format!(
                        "jobdeck: cannot write the full log to {}: {error}",
                        self.path.display()
                    ));
                    State::Broken
                }
            };
        }
        let full = match &mut self.state {
            State::Open(files) => {
                files.append(origin, bytes);
                files.log_buffer.len() >= BUFFER_BYTES
            }
            State::Unopened | State::Broken => false,
        };
        if self.flushing.wrote(Instant::now()) || full {
            self.flush();
        }
    }

    /// Appends a note from jobdeck (`jobdeck: paused`) as a line of its own.
    pub(crate) fn note(&mut self, text: &str, ctx: &JobContext) {
        self.write(Origin::Jobdeck, format!("{text}\n").as_bytes(), ctx);
    }

    /// Tells the log that no output came for a moment: what is buffered
    /// goes to the file now.
    pub(crate) fn lull(&mut self) {
        if self.flushing.lull() {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if let State::Open(files) = &mut self.state
            && files.flush().is_err()
        {
            self.state = State::Broken;
        }
        self.flushing.flushed(Instant::now());
    }

    /// Marks the end of the attempt and writes out what is buffered. Does
    /// nothing if nothing was written.
    pub(crate) fn finish(&mut self) {
        if let State::Open(mut files) = std::mem::replace(&mut self.state, State::Broken) {
            files.mark(Mark::EndOfAttempt);
            let _ = files.flush();
        }
    }
}

/// The longest a line waits in the buffer while output flows.
pub(crate) const FLUSH_EVERY: Duration = Duration::from_millis(200);

/// When the buffered lines go to the file: after [`FLUSH_EVERY`] of steady
/// output (one write per 200 ms, however fast the program prints), or at
/// the first lull. The watch loop calls a lull when no line came for one
/// poll (a few milliseconds), so a program printing a line now and then
/// has each on disk within milliseconds, at one write per line.
#[derive(Debug)]
struct Flushing {
    last_flush: Instant,
    dirty: bool,
}

impl Flushing {
    fn new(now: Instant) -> Self {
        Self {
            last_flush: now,
            dirty: false,
        }
    }

    /// A line was buffered at `now`; returns whether to flush.
    fn wrote(&mut self, now: Instant) -> bool {
        self.dirty = true;
        now.duration_since(self.last_flush) >= FLUSH_EVERY
    }

    /// Output paused; returns whether to flush.
    fn lull(&self) -> bool {
        self.dirty
    }

    fn flushed(&mut self, now: Instant) {
        self.last_flush = now;
        self.dirty = false;
    }
}

/// Opens `path` for appending, creating it. The directory is created only
/// when the file cannot be opened for lack of it, so the common case (the
/// directory exists) costs one system call, not a walk up the path.
fn open_appending(path: &Path) -> io::Result<File> {
    let open = || OpenOptions::new().create(true).append(true).open(path);
    match open() {
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir)?;
            }
            open()
        }
        result => result,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steady_output_is_flushed_every_200_ms() {
        let start = Instant::now();
        let mut flushing = Flushing::new(start);
        let mut flushes = Vec::new();
        // A line every millisecond for a second, never a lull.
        for ms in 1..=1000 {
            let now = start + Duration::from_millis(ms);
            if flushing.wrote(now) {
                flushing.flushed(now);
                flushes.push(ms);
            }
        }
        assert_eq!(flushes, [200, 400, 600, 800, 1000]);
    }

    #[test]
    fn a_lull_flushes_what_is_buffered_and_only_that() {
        let start = Instant::now();
        let mut flushing = Flushing::new(start);
        assert!(!flushing.lull(), "nothing written, nothing to flush");
        assert!(!flushing.wrote(start + Duration::from_millis(1)));
        assert!(flushing.lull());
        flushing.flushed(start + Duration::from_millis(2));
        assert!(!flushing.lull());
    }
}
