//! The timer thread: stops attempts that pass their timeout.

use std::cmp::Reverse;
use std::sync::{Arc, PoisonError};
use std::time::Instant;

use super::shared::Shared;

/// Sleeps until the earliest deadline, then stops the attempt it belongs
/// to, if that attempt is still running. Exits when the pool shuts down.
pub(crate) fn timer_main(shared: &Arc<Shared>) {
    let mut due = Vec::new();
    loop {
        {
            let mut state = shared.lock_raw();
            loop {
                if state.shutting_down {
                    return;
                }
                let Some(&Reverse((deadline, _, _))) = state.deadlines.peek() else {
                    state = shared
                        .timer_cv
                        .wait(state)
                        .unwrap_or_else(PoisonError::into_inner);
                    continue;
                };
                let now = Instant::now();
                if deadline <= now {
                    break;
                }
                state = shared
                    .timer_cv
                    .wait_timeout(state, deadline - now)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
            let now = Instant::now();
            while let Some(&Reverse((deadline, id, attempt))) = state.deadlines.peek() {
                if deadline > now {
                    break;
                }
                state.deadlines.pop();
                due.push((id, attempt));
            }
        }
        // The full lock, which sends the stops' events and runs remote
        // executors' stop callbacks once released.
        let mut state = shared.lock();
        for (id, attempt) in due.drain(..) {
            state.time_out(&shared.hub, id, attempt);
        }
    }
}
