//! What hears every job and event of a session.

use std::io;
use std::time::Instant;

use crate::board::{Board, JobView};
use crate::engine::{Event, Pool};
use crate::jobspec::BuildContext;

/// Something that hears everything a [`Session`](super::Session) sees, in
/// the order it sees it: a reporter, a journal, a halt policy.
///
/// Calls come from the thread that drives the session, between folds, so a
/// sink needs no locks; it should be quick (a slow sink slows the window
/// or the run loop, never a worker). An `Err` is handed to whoever drives
/// the session (the run loop stops on a closed stdout); a sink that must
/// never stop anything (a journal on a full disk) handles its own errors
/// and returns `Ok`.
pub trait Sink {
    /// A job was submitted: its row is on the board (queued) and `job` is
    /// it, with its id, sequence number and [`JobSpec`](crate::jobspec::JobSpec).
    /// Called once per job, in plan order, before any event of the plan.
    fn submitted(&mut self, job: &JobView, cx: &SinkContext<'_>) -> io::Result<()>;

    /// One event of a job the session submitted, before the board folds
    /// it: `cx.board` is the board as it was just before this event.
    fn event(&mut self, event: &Event, cx: &SinkContext<'_>) -> io::Result<()>;

    /// The end of a drain round or of a submission: the board has folded
    /// every event handed over so far. A good moment to write out or
    /// redraw; a sink that holds back what it heard hands it on here.
    fn flush(&mut self, cx: &SinkContext<'_>) -> io::Result<()> {
        let _ = cx;
        Ok(())
    }
}

/// What a sink may look at (and, for the pool, act on) while it hears.
#[derive(Clone, Copy)]
pub struct SinkContext<'a> {
    /// The session's board (see each [`Sink`] method for when it is read).
    pub board: &'a Board,
    /// The session's pool, for sinks that act on what they hear (stopping
    /// everything after a failure, for example).
    pub pool: &'a Pool,
    /// What the session builds jobs with (where a command's full log goes).
    pub build: &'a BuildContext,
    /// The time the board folds this event at.
    pub now: Instant,
    /// In [`Sink::event`]: the row of the job the event is about, as it is
    /// before the fold (looked up once for every sink); `None` elsewhere,
    /// and for a job the board does not show.
    pub job: Option<&'a JobView>,
}
