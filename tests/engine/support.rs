//! Helpers shared by the engine tests.

pub use std::collections::{HashMap, HashSet};
pub use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
pub use std::sync::{Arc, Mutex};
pub use std::time::{Duration, Instant};

pub use crate::common::{PATIENCE, wait_for, wait_until};
pub use jobdeck::engine::{
    EngineError, Event, EventKind, EventReceiver, JobContext, JobError, JobId, JobState, NewJob,
    Outcome, OutcomeKind, Output, Pool,
};

/// Reads events until every job in `ids` has finished; returns all events
/// read, in order.
pub fn until_finished(events: &mut EventReceiver, ids: &[JobId]) -> Vec<Event> {
    let mut open: std::collections::HashSet<JobId> = ids.iter().copied().collect();
    let mut seen = Vec::new();
    let deadline = Instant::now() + PATIENCE;
    while !open.is_empty() {
        let event = events
            .recv_deadline(deadline)
            .unwrap_or_else(|e| panic!("{} jobs never finished: {e}", open.len()));
        if event.kind.is_terminal() {
            open.remove(&event.job);
        }
        seen.push(event);
    }
    seen
}

pub fn outcome_of(events: &[Event], id: JobId) -> &Outcome {
    events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::Finished(outcome) if e.job == id => Some(outcome),
            _ => None,
        })
        .expect("the job finished")
}

/// A job that counts itself in `running` while it runs and blocks until
/// `gate` opens (or it is stopped).
pub fn gated(running: &Arc<AtomicUsize>, gate: &Arc<AtomicBool>) -> NewJob {
    let (running, gate) = (Arc::clone(running), Arc::clone(gate));
    NewJob::new(move |ctx: &JobContext| {
        running.fetch_add(1, Ordering::SeqCst);
        let result = loop {
            if gate.load(Ordering::SeqCst) {
                break Ok(Output::default());
            }
            if ctx.sleep(Duration::from_millis(1)).is_err() {
                break Err(JobError::Stopped);
            }
        };
        running.fetch_sub(1, Ordering::SeqCst);
        result
    })
}
