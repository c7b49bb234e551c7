//! The two kinds of thread the pool runs: workers, which run jobs, and the
//! timer, which stops jobs that pass their timeout.

use std::any::Any;
use std::cmp::Reverse;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};
use std::time::Instant;

use super::cell::{Hub, JobCell, StopReason};
use super::event::Msg;
use super::pool::Inner;
use super::scheduler::{
    Dispatch, RunFailure, Seat, SharedDesk, Slot, WorkerMsg, open_desk, outcome_of,
};
use super::{Event, EventKind, Job, JobContext, JobError, JobId, JobResult, Outcome, Output};

/// Runs jobs until the pool shuts down or shrinks below this worker.
///
/// After each job the worker takes the next startable one itself: in fast
/// mode, when both are plain, under its desk's lock alone (see
/// [`handover`]); otherwise under the scheduler's lock, which it records
/// the result with. Only when there is none does it wait on the dispatch
/// channel, which spins briefly before sleeping, so a busy pool rarely pays
/// for a sleep and a wake-up per job.
pub(crate) fn worker_main(
    inner: &Arc<Inner>,
    slot: usize,
    desk: &SharedDesk,
    first: Option<Dispatch>,
) {
    let mut next = first;
    // Whether `next`'s start was already announced.
    let mut announced = false;
    // Lent to each job's context, so that jobs do not contend on the hub's
    // reference count.
    let mut hub = Some(Arc::clone(&inner.hub));
    loop {
        let Some(dispatch) = next.take() else {
            match inner.dispatch_rx.recv() {
                Ok(WorkerMsg::Run(dispatch)) => {
                    next = Some(dispatch);
                    announced = false;
                }
                Ok(WorkerMsg::Kick) => {
                    next = take_kicked(inner, slot);
                    announced = false;
                }
                // Retiring workers were already counted out by the sender.
                Ok(WorkerMsg::Retire) => return retire(inner, slot, false),
                Err(_) => return retire(inner, slot, true),
            }
            continue;
        };
        let seat = dispatch.seat;
        let (job, result) = run(inner, &mut hub, slot, dispatch, announced);
        let ended = match seat {
            Seat::Desk => {
                // Plain jobs are never run again; one holds no resource
                // whose release is slow (a command job has reaped its
                // process by the time `run` returns).
                drop(job);
                match handover(inner, desk, result) {
                    Handover::Next(finished, started) => {
                        announce(inner, slot, Some(finished), Some(&started));
                        next = Some(started);
                        announced = true;
                        continue;
                    }
                    Handover::Ended(finished) => Ended::Filed(finished),
                    Handover::NotFast(result) => Ended::OnDesk(result),
                }
            }
            Seat::Slab(job_slot) => Ended::InSlab(job_slot, job, result),
        };
        let mut state = inner.lock();
        // A finished slab job is dropped here, under the lock, for the same
        // reason as above.
        let finished = match ended {
            Ended::Filed(finished) => {
                state.desk_emptied();
                Some(finished)
            }
            Ended::OnDesk(result) => state.complete_on_desk(&inner.hub, slot, result),
            Ended::InSlab(job_slot, job, result) => {
                state.complete(&inner.hub, job_slot, job, result)
            }
        };
        let retiring = state.shutting_down || state.workers.alive > state.max_threads;
        if retiring {
            state.workers.alive -= 1;
            state.workers.free_slot(slot);
        } else {
            next = state.dispatch_to(slot);
            if let Some(next) = &next {
                next.cell.set_worker(slot);
            } else {
                state.workers.idle += 1;
            }
        }
        inner.staff(&mut state);
        drop(state);
        // Sent after unlocking, to keep the lock short; see `announce`.
        announce(inner, slot, finished, next.as_ref());
        if retiring {
            return;
        }
        // Only read when `next` holds a job, whose start `announce` sent.
        announced = true;
    }
}

/// How a job that a worker ran ended, for the scheduler to record.
enum Ended {
    /// A desk job, recorded by [`handover`] already.
    Filed((JobId, Outcome)),
    /// A desk job, outside fast mode.
    OnDesk(Result<Output, RunFailure>),
    /// A slab job.
    InSlab(Slot, Box<dyn Job>, Result<Output, RunFailure>),
}

/// What [`handover`] did.
enum Handover {
    /// Filed the end and took the next plain job from the inbox.
    Next((JobId, Outcome), Dispatch),
    /// Filed the end; the inbox was empty.
    Ended((JobId, Outcome)),
    /// Nothing: the pool does not run fast.
    NotFast(Result<Output, RunFailure>),
}

/// In fast mode, files the end of the plain job on this worker's desk and
/// puts the inbox's next job there, without the scheduler's lock.
///
/// Fast mode promises that nothing else waits to start and that no job
/// depends on a plain one (see `State::may_run_fast`), so there is nothing
/// to tell the scheduler but that the job ended, which the desk keeps until
/// the scheduler files it. The running count stays as it was when the next
/// job replaces the last.
fn handover(inner: &Inner, desk: &SharedDesk, result: Result<Output, RunFailure>) -> Handover {
    let mut desk = open_desk(desk);
    // Read under the desk's lock; see `State::leave_fast`.
    if !inner.fast.load(Ordering::Acquire) {
        return Handover::NotFast(result);
    }
    let run = desk
        .current
        .take()
        .expect("a desk job stays on its desk until it ends");
    let outcome = outcome_of(result, run.cell.stop_reason());
    desk.ended.push((run.id, outcome.kind()));
    let finished = (run.id, outcome);
    let Ok(new) = inner.inbox_rx.try_recv() else {
        return Handover::Ended(finished);
    };
    // The last job's cell, when nothing holds it any more (an unread
    // progress notice may).
    let mut cell = run.cell;
    if let Some(spare) = Arc::get_mut(&mut cell) {
        spare.reuse(new.id, false);
    } else {
        cell = Arc::new(JobCell::starting(new.id, false));
    }
    Handover::Next(finished, desk.take_on(new, cell))
}

/// An idle worker was kicked: jobs reached the inbox. Takes the first that
/// may start, if this worker is still counted idle (when it is not, a
/// message is on its way to it). Returns the job; `run` announces its
/// start.
fn take_kicked(inner: &Arc<Inner>, worker: usize) -> Option<Dispatch> {
    inner.kick_taken();
    let mut state = inner.lock();
    let mut next = None;
    if state.workers.idle > 0 {
        next = state.dispatch_to(worker);
        if let Some(dispatch) = &next {
            state.workers.idle -= 1;
            dispatch.cell.set_worker(worker);
        }
    }
    inner.staff(&mut state);
    next
}

/// Sends the end of the worker's last job and the start of its next one,
/// as one message when there are both.
///
/// This runs after the lock is released, so a stop of the next job may
/// come first; the job's cell holds its `StopRequested` event back until
/// the start is out (see `JobCell::mark_announced`), so the consumer always
/// sees the start first.
fn announce(
    inner: &Inner,
    worker: usize,
    finished: Option<(JobId, Outcome)>,
    next: Option<&Dispatch>,
) {
    let msg = match (finished, next) {
        (Some((finished, outcome)), Some(next)) => Msg::Handover {
            finished,
            outcome,
            started: next.id,
            worker: u32::try_from(worker).unwrap_or(u32::MAX),
            attempt: next.attempt,
        },
        (Some((id, outcome)), None) => Msg::Event(Event {
            job: id,
            kind: EventKind::Finished(outcome),
        }),
        (None, Some(next)) => Msg::Event(started(next, worker)),
        (None, None) => return,
    };
    inner.hub.send(msg);
    if let Some(next) = next {
        start_announced(inner, next);
    }
}

/// Marks the start as sent, and sends the stop that was asked meanwhile.
fn start_announced(inner: &Inner, dispatch: &Dispatch) {
    if let Some(reason) = dispatch.cell.mark_announced() {
        inner.hub.send(Msg::Event(Event {
            job: dispatch.id,
            kind: EventKind::StopRequested {
                timed_out: reason == StopReason::TimedOut,
            },
        }));
    }
}

fn started(dispatch: &Dispatch, worker: usize) -> Event {
    Event {
        job: dispatch.id,
        kind: EventKind::Started {
            worker,
            attempt: dispatch.attempt,
        },
    }
}

/// Frees the worker's slot; `counted` says whether it still counts as alive
/// and idle (true when the channel closed under it at shutdown).
fn retire(inner: &Arc<Inner>, slot: usize, counted: bool) {
    let mut state = inner.lock();
    if counted {
        state.workers.alive -= 1;
        state.workers.idle = state.workers.idle.saturating_sub(1);
    }
    state.workers.free_slot(slot);
}

/// Announces the start unless that was done already, then runs the job
/// outside the lock.
fn run(
    inner: &Arc<Inner>,
    hub: &mut Option<Arc<Hub>>,
    slot: usize,
    dispatch: Dispatch,
    announced: bool,
) -> (Box<dyn Job>, Result<Output, RunFailure>) {
    if !announced {
        inner.hub.send(Msg::Event(started(&dispatch, slot)));
        start_announced(inner, &dispatch);
    }
    let Dispatch {
        cell,
        mut job,
        attempt,
        ..
    } = dispatch;
    cell.set_worker(slot);
    let lent = hub.take().unwrap_or_else(|| Arc::clone(&inner.hub));
    let ctx = JobContext::new(cell, lent, slot, attempt);
    let result = run_caught(|| job.run(&ctx));
    *hub = Some(ctx.into_hub());
    (job, result)
}

/// Runs a job, turning a panic into a failure that carries its message, so
/// the worker (and the pool's capacity) survives.
fn run_caught(run: impl FnOnce() -> JobResult) -> Result<Output, RunFailure> {
    match catch_unwind(AssertUnwindSafe(run)) {
        Ok(Ok(output)) => Ok(output),
        Ok(Err(JobError::Stopped)) => Err(RunFailure::Stopped),
        Ok(Err(JobError::Failed { message, exit_code })) => Err(RunFailure::Failed {
            error: message,
            exit_code,
        }),
        Err(panic) => Err(RunFailure::Failed {
            error: format!("panicked: {}", panic_message(panic.as_ref())),
            exit_code: None,
        }),
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text
    } else {
        "(no message)"
    }
}

/// Sleeps until the earliest deadline and stops the attempt it belongs to,
/// if that attempt is still running.
pub(crate) fn timer_main(inner: &Arc<Inner>) {
    let mut state = inner.lock_raw();
    loop {
        if state.shutting_down {
            return;
        }
        let Some(&Reverse((deadline, id, attempt))) = state.deadlines.peek() else {
            state = inner
                .timer_cv
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
            continue;
        };
        let now = Instant::now();
        if deadline > now {
            state = inner
                .timer_cv
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
            continue;
        }
        state.deadlines.pop();
        if state.is_running_attempt(id, attempt) {
            state.stop(&inner.hub, id, StopReason::TimedOut);
        }
    }
}
