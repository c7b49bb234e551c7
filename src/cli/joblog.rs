//! `jobdeck run --joblog PATH`: GNU parallel's joblog, a line written and
//! flushed as each job ends (see [`crate::history::joblog`] for the format).

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

use crate::board::{JobView, Lifecycle};
use crate::engine::{Event, EventKind, JobId, JobIdMap, Outcome};
use crate::history::joblog::{HEADER, JoblogLine, signal_of};
use crate::history::{JobState, unix_secs};
use crate::session::{Sink, SinkContext};

/// Writes the joblog of a run.
pub(crate) struct JoblogWriter {
    out: File,
    /// Each job's number (its place in the job file).
    numbers: JobIdMap<u32>,
}

impl JoblogWriter {
    /// Starts the joblog at `path`: a new file with the header, or, when
    /// `append` and the file has lines already (a resumed run), more lines
    /// at its end, as parallel does with `--resume`.
    pub(crate) fn create(
        path: &Path,
        numbers: impl IntoIterator<Item = (JobId, u32)>,
        append: bool,
    ) -> io::Result<Self> {
        let has_lines = append && std::fs::metadata(path).is_ok_and(|meta| meta.len() > 0);
        let mut out = if has_lines {
            OpenOptions::new().append(true).open(path)?
        } else {
            let mut out = File::create(path)?;
            writeln!(out, "{HEADER}")?;
            out
        };
        out.flush()?;
        Ok(Self {
            out,
            numbers: numbers.into_iter().collect(),
        })
    }
}

impl Sink for JoblogWriter {
    fn submitted(&mut self, _job: &JobView, _cx: &SinkContext<'_>) -> io::Result<()> {
        Ok(())
    }

    fn event(&mut self, event: &Event, cx: &SinkContext<'_>) -> io::Result<()> {
        let EventKind::Finished(outcome) = &event.kind else {
            return Ok(());
        };
        let Some(job) = cx.board.job(event.job) else {
            return Ok(());
        };
        // Jobs that never started have no line.
        let Lifecycle::Running { started, .. } = job.lifecycle else {
            return Ok(());
        };
        let seq = self.numbers.get(&job.id).copied().unwrap_or(0);
        let (exit_code, signal) = match outcome {
            Outcome::Succeeded(output) => (output.exit_code, None),
            Outcome::Failed { error, exit_code } => (*exit_code, signal_of(error)),
            _ => (None, None),
        };
        let runtime = cx.now.saturating_duration_since(started).as_secs_f64();
        let Some(line) = JoblogLine::new(
            seq,
            JobState::from(outcome.kind()),
            exit_code,
            signal,
            unix_secs(started),
            runtime,
            job.spec.summary(),
        ) else {
            return Ok(());
        };
        // One write per line, flushed at once: a reader (or a crash) sees
        // whole lines only.
        self.out.write_all(format!("{line}\n").as_bytes())?;
        self.out.flush()
    }
}
