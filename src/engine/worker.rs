//! The two kinds of thread the pool runs: workers, which run jobs, and the
//! timer, which stops jobs that pass their timeout.

use std::any::Any;
use std::cmp::Reverse;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, PoisonError};
use std::time::Instant;

use super::cell::StopReason;
use super::event::Msg;
use super::pool::Inner;
use super::scheduler::{Dispatch, RunFailure, WorkerMsg};
use super::{Event, EventKind, JobContext, JobError, JobId, JobResult, Outcome};

/// Runs jobs until the pool shuts down or shrinks below this worker.
///
/// After each job the worker takes the next startable one itself, under the
/// same lock it records the result with; only when there is none does it
/// wait on the dispatch channel, which spins briefly before sleeping, so a
/// busy pool rarely pays for a sleep and a wake-up per job.
pub(crate) fn worker_main(inner: &Arc<Inner>, slot: usize, first: Option<Dispatch>) {
    let mut next = first;
    // Whether `next`'s start was already announced.
    let mut announced = false;
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
        let job_slot = dispatch.slot;
        let (job, result) = run(inner, slot, dispatch, announced);
        let mut state = inner.lock();
        // A finished job is dropped here, under the lock; jobs hold no
        // resources whose release is slow (a command job has reaped its
        // process by the time `run` returns).
        let finished = state.complete(&inner.hub, job_slot, job, result);
        let retiring = state.shutting_down || state.workers.alive > state.max_threads;
        if retiring {
            state.workers.alive -= 1;
            state.workers.free_slot(slot);
        } else {
            next = state.dispatch();
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

/// An idle worker was kicked: jobs reached the inbox. Admits them and takes
/// the first that may start, if this worker is still counted idle (when it
/// is not, a message is on its way to it). Returns the job; `run`
/// announces its start.
fn take_kicked(inner: &Arc<Inner>, worker: usize) -> Option<Dispatch> {
    inner.kick_taken();
    let mut state = inner.lock();
    let mut next = None;
    if state.workers.idle > 0 {
        next = state.dispatch();
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
    slot: usize,
    dispatch: Dispatch,
    announced: bool,
) -> (Box<dyn super::Job>, Result<super::Output, RunFailure>) {
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
    let ctx = JobContext::new(cell, Arc::clone(&inner.hub), slot, attempt);
    let result = run_caught(|| job.run(&ctx));
    (job, result)
}

/// Runs a job, turning a panic into a failure that carries its message, so
/// the worker (and the pool's capacity) survives.
fn run_caught(run: impl FnOnce() -> JobResult) -> Result<super::Output, RunFailure> {
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
