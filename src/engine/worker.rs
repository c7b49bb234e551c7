//! A worker thread: runs the jobs it is given, then takes the next one
//! itself, and waits on its channel only when there is none.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use crossbeam_channel::Receiver;

use super::express::{Desk, Express, HandOver, handover_msg};
use super::scheduler::{Dispatch, RunFailure, Seat, Slot};
use super::shared::Shared;
use super::worker_threads::{WorkerMsg, WorkerSlot};
use super::{Event, EventKind, Job, JobContext, JobError, JobId, JobResult, Output};

/// Runs jobs until the pool shuts down or shrinks below this worker.
///
/// After each job the worker takes the next startable one itself: while the
/// express lane is open and both are express jobs, under its desk's lock
/// alone (see `express`); otherwise under the scheduler's lock, which it
/// records the end with. Only when there is none does it wait on its
/// channel, which spins briefly before sleeping, so a busy pool rarely pays
/// for a sleep and a wake-up per job.
pub(crate) fn worker_main(
    shared: &Arc<Shared>,
    worker: WorkerSlot,
    desk: &Desk,
    mail: &Receiver<WorkerMsg>,
) {
    let mut watch = Watch {
        shared,
        worker,
        running: None,
        armed: true,
    };
    // Lent to each job's context, as is the job's cell, so that running a
    // job touches no reference count.
    let mut hub = Some(Arc::clone(&shared.hub));
    let mut next = None;
    loop {
        let dispatch = match next.take() {
            Some(dispatch) => dispatch,
            None => match mail.recv() {
                Ok(WorkerMsg::Run(dispatch)) => dispatch,
                // Counted out by the sender; the channel only closes when
                // the pool is gone.
                Ok(WorkerMsg::Retire) | Err(_) => {
                    watch.armed = false;
                    shared.lock().workers.free_slot(worker);
                    return;
                }
            },
        };
        watch.running = Some((dispatch.id, dispatch.seat));
        let Dispatch {
            id,
            seat,
            cell,
            job,
            attempt,
            may_retry,
        } = dispatch;
        let ctx = JobContext::new(
            cell,
            hub.take().unwrap_or_else(|| Arc::clone(&shared.hub)),
            worker,
            attempt,
        );
        let (kept, result) = run_attempt(job, &ctx, may_retry);
        let (cell, lent_hub) = ctx.into_parts();
        hub = Some(lent_hub);
        cell.report_dropped_series(&shared.hub);
        let ending = match seat {
            Seat::Desk => {
                match Express::hand_over(&shared.inbox, desk, worker, id, cell, result, &shared.hub)
                {
                    HandOver::Next(dispatch) => {
                        next = Some(dispatch);
                        continue;
                    }
                    HandOver::Declined(cell, result) => Ending::OnDesk(id, cell, result),
                }
            }
            Seat::Slab(slot) => Ending::InSlab(slot, kept, result),
        };
        let mut state = shared.lock();
        let hub = &shared.hub;
        let (ended, leftover) = match ending {
            Ending::OnDesk(id, cell, result) => {
                (state.complete_on_desk(hub, worker, id, cell, result), None)
            }
            Ending::InSlab(slot, kept, result) => {
                let completion = state.complete(hub, slot, kept, result);
                (completion.ended, completion.leftover)
            }
        };
        watch.running = None;
        let retiring = state.shutting_down || state.workers.alive > state.max_threads;
        if retiring {
            state.workers.alive -= 1;
            state.workers.free_slot(worker);
        } else {
            next = state.next_for(hub, worker);
            if next.is_none() {
                state.workers.idle.push(worker);
            }
        }
        // Under the lock, so the consumer sees them in the order the state
        // changed (see `scheduler`).
        match (ended, &next) {
            (Some((finished, outcome)), Some(next)) => {
                state.announce(hub, handover_msg(finished, outcome, next, worker));
            }
            (Some((finished, outcome)), None) => state.announce(
                hub,
                super::event::Msg::Event(Event {
                    job: finished,
                    kind: EventKind::Finished(outcome),
                }),
            ),
            (None, Some(next)) => state.announce(hub, next.started(worker)),
            (None, None) => {}
        }
        drop(state);
        // A job kept for a retry that did not happen; its end is out.
        drop_caught(leftover);
        if retiring {
            watch.armed = false;
            return;
        }
    }
}

/// How an attempt a worker ran ended, for the scheduler to record.
enum Ending {
    /// An express job that `hand_over` declined.
    OnDesk(JobId, Arc<super::cell::JobCell>, Result<Output, RunFailure>),
    /// A job in the slab, and the job itself if the worker kept it for a
    /// retry.
    InSlab(Slot, Option<Box<dyn Job>>, Result<Output, RunFailure>),
}

/// Runs one attempt, turning a panic into a failure. Returns the job if it
/// may be retried; otherwise drops it here, where a panic in its destructor
/// is caught too (and fails an attempt that had succeeded).
fn run_attempt(
    mut job: Box<dyn Job>,
    ctx: &JobContext,
    may_retry: bool,
) -> (Option<Box<dyn Job>>, Result<Output, RunFailure>) {
    let mut result = match catch_unwind(AssertUnwindSafe(|| job.run(ctx))) {
        Ok(result) => failure_of(result),
        Err(panic) => Err(RunFailure::Failed {
            error: format!("panicked: {}", panic_text(panic)),
            exit_code: None,
        }),
    };
    if may_retry && result.is_err() {
        return (Some(job), result);
    }
    if let Some(message) = drop_caught(job)
        && result.is_ok()
    {
        result = Err(RunFailure::Failed {
            error: format!("panicked while being dropped: {message}"),
            exit_code: None,
        });
    }
    (None, result)
}

/// What a job's result means to the scheduler.
pub(crate) fn failure_of(result: JobResult) -> Result<Output, RunFailure> {
    match result {
        Ok(output) => Ok(output),
        Err(JobError::Stopped) => Err(RunFailure::Stopped),
        Err(JobError::Failed { message, exit_code }) => Err(RunFailure::Failed {
            error: message,
            exit_code,
        }),
    }
}

/// Drops `value`, catching a panic in its destructor; returns the panic's
/// message if there was one.
pub(crate) fn drop_caught<T>(value: T) -> Option<String> {
    catch_unwind(AssertUnwindSafe(move || drop(value)))
        .err()
        .map(panic_text)
}

/// A panic's message. The payload itself is then dropped with its own
/// panics caught; a payload whose destructor panics again is leaked rather
/// than chased forever.
fn panic_text(payload: Box<dyn Any + Send>) -> String {
    let text = if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "(no message)".to_owned()
    };
    if let Err(again) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        std::mem::forget(again);
    }
    text
}

/// Watches a worker thread: if it dies anyway (a panic outside a job, which
/// would be a bug in the engine), its job is ended as failed, the worker is
/// counted out and, on the unlock, replaced if jobs wait.
struct Watch<'a> {
    shared: &'a Arc<Shared>,
    worker: WorkerSlot,
    /// The job the worker runs, if any.
    running: Option<(JobId, Seat)>,
    /// False once the worker exits normally, counted out already.
    armed: bool,
}

impl Drop for Watch<'_> {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let mut state = self.shared.lock();
        state.worker_died(&self.shared.hub, self.worker, self.running.take());
    }
}
