//! Job files in the window: opening one, starting its jobs, its halt
//! policy and its `max_threads` while they run.

use std::fmt::Write as _;
use std::path::Path;

use super::App;
use crate::jobfile::JobFile;
use crate::session::HaltSink;

impl App {
    /// Loads a job file and starts all its jobs, or none when the file is
    /// bad; the error (`file:line:column: ...`) is shown in the window.
    pub(super) fn open_job_file(&mut self, path: &Path) {
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
    pub(super) fn submit_job_file(&mut self, file: JobFile) -> Result<String, String> {
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
    pub(super) fn notice_halts(&mut self) {
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
    pub(super) fn end_file_max_threads(&mut self) {
        if self.file_max_threads.is_some() && self.board().live_jobs() == 0 {
            self.file_max_threads = None;
            // The saved setting is clamped to the valid range: this cannot fail.
            let _ = self.pool().set_max_threads(self.settings.max_threads);
        }
    }
}
