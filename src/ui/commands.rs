//! What views ask of the app. Views never touch the pool while drawing; they
//! push these, and the app applies them after the frame.

use std::path::PathBuf;

use crate::desktop::file_dialog::PickWhat;
use crate::engine::JobId;
use crate::history::RunId;
use crate::jobspec::JobKind;

use super::Settings;

/// One request from a view.
#[derive(Clone, Debug)]
pub enum Command {
    /// Submit a new job of this kind (the app names it).
    Start(JobKind),
    /// Load a job file and start its jobs; a bad file starts nothing and
    /// its error is shown.
    OpenJobFile(PathBuf),
    /// Open or close the Open job file window.
    ShowOpenFile(bool),
    /// Show the desktop's file dialog for a job file (then open it) or for
    /// the Command kind's working directory.
    PickFile(PickWhat),
    /// Show this message as the window's current error.
    ShowError(String),
    /// Stop a running job, or cancel a queued one.
    Stop(JobId),
    /// Pause (`true`) or resume a running job: a job holds at its next
    /// checkpoint, a command's processes are stopped.
    PauseJob(JobId, bool),
    /// Give a job that has not started this priority (higher starts first).
    SetPriority(JobId, i32),
    /// Cancel every queued job and stop every running one.
    StopAll,
    /// Hold queued jobs back; running jobs go on.
    Pause,
    /// Let queued jobs start again.
    Resume,
    /// Run an ended job again (any job: toolbar or job file), as a new job
    /// built from its spec, in its place.
    Retry(JobId),
    /// Forget an ended job's row.
    Remove(JobId),
    /// Run a job of a past run again (by its row in the history).
    RetryRecorded(i64),
    /// Run every failed, timed-out, stopped or interrupted job of a run
    /// again.
    RetryFailed(RunId),
    /// Read a past run's jobs, to show them.
    LoadRun(RunId),
    /// Forget the past runs the settings do not keep.
    PruneHistory,
    /// Forget every past run.
    ClearHistory,
    /// Show this job's details (or none).
    Select(Option<JobId>),
    /// Open a job's full log file in the desktop's default viewer.
    OpenLogFile(PathBuf),
    /// Show or hide the Workers panel.
    ShowWorkers(bool),
    /// Open or close the Settings window.
    ShowSettings(bool),
    /// Use these settings from now on (and remember them).
    ApplySettings(Settings),
    /// The person confirmed closing the window while jobs run.
    ConfirmQuit,
    /// The person chose to keep the window open.
    CancelQuit,
}
