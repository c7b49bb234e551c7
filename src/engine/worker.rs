//! The two kinds of thread the pool runs: workers, which run jobs, and the
//! timer, which stops jobs that pass their timeout.

use std::any::Any;
use std::cmp::Reverse;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, PoisonError};
use std::time::Instant;

use super::cell::StopReason;
use super::pool::Inner;
use super::scheduler::{Dispatch, RunFailure};
use super::{JobContext, JobError, JobResult};

/// Runs jobs until the pool shuts down or shrinks below this worker.
pub(crate) fn worker_main(inner: &Arc<Inner>, slot: usize) {
    let mut state = inner.lock();
    loop {
        if let Some(Dispatch {
            id,
            cell,
            mut job,
            attempt,
        }) = state.dispatch(&inner.hub, slot)
        {
            if std::mem::take(&mut state.deadline_added) {
                inner.timer_cv.notify_one();
            }
            drop(state);
            let ctx = JobContext::new(cell, Arc::clone(&inner.hub), slot, attempt);
            let result = run_caught(|| job.run(&ctx));
            drop(ctx);
            state = inner.lock();
            // A finished job is dropped here, under the lock; jobs hold no
            // resources whose release is slow (a command job has reaped its
            // process by the time `run` returns).
            state.complete(&inner.hub, id, job, result);
            inner.staff(&mut state);
            continue;
        }
        // Nothing to start: retire if the pool is closing or has more workers
        // than it may use now, otherwise wait to be woken.
        if state.shutting_down || state.workers.alive > state.max_threads {
            state.workers.alive -= 1;
            state.workers.free_slot(slot);
            return;
        }
        state.workers.idle += 1;
        state = inner
            .work_cv
            .wait(state)
            .unwrap_or_else(PoisonError::into_inner);
        state.workers.idle -= 1;
        state.workers.woken = state.workers.woken.saturating_sub(1);
    }
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
    let mut state = inner.lock();
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
