//! A command job's full log on disk.
//!
//! The file is opened (and its directory created) when the first line is
//! written to it, not when the job starts: creating a file costs about a
//! millisecond on an ordinary disk, which is more than a short program like
//! `true` takes to run. A program that prints nothing (and is never paused)
//! leaves no log file at all. From the second attempt on, each attempt that
//! writes something starts with a `--- jobdeck: attempt N ---` line.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::engine::JobContext;

/// The job's full log on disk. Problems writing it are reported once in the
/// job's log and otherwise ignored: a full disk must not fail the job.
pub(crate) struct LogFile {
    path: PathBuf,
    attempt: u32,
    state: State,
}

enum State {
    /// Nothing written yet in this attempt; the file may not exist.
    Unopened,
    Open(BufWriter<File>),
    /// Opening or writing failed; the rest of the attempt is not logged.
    Broken,
}

impl LogFile {
    /// A log at `path` for the attempt `ctx` runs; nothing touches the disk
    /// until the first [`write`](Self::write).
    pub(crate) fn new(path: PathBuf, ctx: &JobContext) -> Self {
        Self {
            path,
            attempt: ctx.attempt(),
            state: State::Unopened,
        }
    }

    /// Appends `line`, opening the file first if this is the first line.
    pub(crate) fn write(&mut self, line: &str, ctx: &JobContext) {
        if matches!(self.state, State::Unopened) {
            self.state = match open_appending(&self.path) {
                Ok(file) => {
                    let mut writer = BufWriter::new(file);
                    if self.attempt > 1
                        && writeln!(writer, "--- jobdeck: attempt {} ---", self.attempt).is_err()
                    {
                        State::Broken
                    } else {
                        State::Open(writer)
                    }
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
        if let State::Open(writer) = &mut self.state
            && writeln!(writer, "{line}").is_err()
        {
            self.state = State::Broken;
        }
    }

    /// Flushes what is buffered. Does nothing if nothing was written.
    pub(crate) fn finish(&mut self) {
        if let State::Open(mut writer) = std::mem::replace(&mut self.state, State::Broken) {
            let _ = writer.flush();
        }
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
