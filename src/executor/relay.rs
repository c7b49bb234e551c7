//! From a cluster backend's [`Reporter`] calls to the engine's
//! [`RemoteHandle`]: what a remote command job reports, made to look like a
//! local one's.

use std::sync::{Mutex, MutexGuard, PoisonError};

use super::{ClusterExit, ClusterOutcome, ClusterStatus, Reporter};
use crate::engine::{JobError, LogLine, Output, Placement, RemoteHandle};
use crate::jobs::output::{LineMeaning, OutputParser};
use crate::jobs::stderr_tail::StderrTail;

/// Relays one attempt's reports to its engine handle:
/// - statuses become placements (the row's "Slurm 123 PENDING"), and the
///   submission a log line naming the output file, which holds the full log;
/// - output lines go through the same [`OutputParser`] as a local command's:
///   progress, `jobdeck:sample` plot points, `jobdeck:progress`, and log
///   lines (all on stdout: a cluster job's stdout and stderr share a file);
/// - notices (stop sent, kill sent) go to the log;
/// - the outcome ends the attempt: success, failure (with the exit code and
///   the last lines of output), stopped, or timed out by the backend's clock
///   (which counts only running time; the message goes to the log, as the
///   engine's timed-out outcome carries none).
pub(crate) struct Relay {
    /// Taken by the end; `None` after it (a backend never reports after its
    /// end, but a relay need not trust that to stay sound).
    handle: Mutex<Option<RemoteHandle>>,
    parser: Mutex<OutputParser>,
    /// The backend's name for people, for placements.
    executor: &'static str,
    /// The last lines of output, for a failure's message.
    tail: Mutex<StderrTail>,
}

impl Relay {
    pub(crate) fn new(handle: RemoteHandle, parser: OutputParser, executor: &'static str) -> Self {
        Self {
            handle: Mutex::new(Some(handle)),
            parser: Mutex::new(parser),
            executor,
            tail: Mutex::default(),
        }
    }

    /// Calls `on_stop` on the first stop asked of the attempt (at once if
    /// one was asked already); nothing if the attempt has ended.
    pub(crate) fn on_stop(&self, on_stop: impl FnOnce() + Send + 'static) {
        if let Some(handle) = self.handle().as_ref() {
            handle.on_stop(on_stop);
        }
    }

    /// Ends the attempt as failed with `message`, when the backend never
    /// took it.
    pub(crate) fn fail(&self, message: String) {
        if let Some(handle) = self.handle().take() {
            handle.finish(Err(JobError::msg(message)));
        }
    }

    /// The handle, while the attempt has not ended. Reports of one job come
    /// one at a time, so the lock is never contended.
    fn handle(&self) -> MutexGuard<'_, Option<RemoteHandle>> {
        lock(&self.handle)
    }

    fn placement(&self, status: &ClusterStatus) -> Placement {
        let (state, detail) = match status {
            ClusterStatus::Held => ("HELD", "jobdeck's in-flight cap is reached".to_owned()),
            ClusterStatus::Submitted { .. } => ("SUBMITTED", String::new()),
            ClusterStatus::Pending { reason, .. } if reason == "None" => ("PENDING", String::new()),
            ClusterStatus::Pending { reason, .. } => ("PENDING", reason.clone()),
            ClusterStatus::Running { nodes, .. } => ("RUNNING", nodes.clone()),
            ClusterStatus::Suspended { state, .. } | ClusterStatus::Ending { state, .. } => {
                (state.as_str(), String::new())
            }
        };
        Placement {
            executor: self.executor.to_owned(),
            remote_id: status.id().map(str::to_owned),
            state: state.to_owned(),
            detail,
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while relaying leaves nothing half-written here.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Reporter for Relay {
    fn status(&self, status: ClusterStatus) {
        let guard = self.handle();
        let Some(handle) = guard.as_ref() else {
            return;
        };
        if let ClusterStatus::Submitted { id, output } = &status {
            handle.log(format!(
                "jobdeck: submitted to {} as job {id}; its full output goes to {}",
                self.executor,
                output.display()
            ));
        }
        handle.place(self.placement(&status));
    }

    fn line(&self, line: String) {
        let guard = self.handle();
        let Some(handle) = guard.as_ref() else {
            return;
        };
        // The cluster's output file has lines as they ended; a redrawn
        // line arrives once, in its last state.
        let meaning = lock(&self.parser).parse(&line, false);
        match meaning {
            LineMeaning::ExactProgress(fraction) => handle.progress(fraction),
            LineMeaning::Sample { series, x, y } => handle.sample(&series, x, y),
            LineMeaning::Text { progress } => {
                if let Some(fraction) = progress {
                    handle.progress(fraction);
                }
                lock(&self.tail).push(&line);
                handle.log(LogLine::from(line));
            }
        }
    }

    fn notice(&self, text: String) {
        if let Some(handle) = self.handle().as_ref() {
            handle.log(text);
        }
    }

    fn finished(&self, outcome: ClusterOutcome) {
        let Some(handle) = self.handle().take() else {
            return;
        };
        match outcome {
            ClusterOutcome::Succeeded { message } => handle.finish(Ok(Output::exit(0, message))),
            ClusterOutcome::Failed { exit, message } => {
                let message = lock(&self.tail).explain_as(message, "of output");
                let exit_code = exit.and_then(|ClusterExit { code, signal }| {
                    (signal.is_none() && code != 0).then_some(code)
                });
                handle.finish(Err(JobError::Failed { message, exit_code }));
            }
            ClusterOutcome::Stopped { message } => {
                handle.log(format!("jobdeck: {message}"));
                handle.finish(Err(JobError::Stopped));
            }
            ClusterOutcome::TimedOut { message } => {
                handle.log(format!("jobdeck: {message}"));
                handle.finish_timed_out();
            }
        }
    }
}
