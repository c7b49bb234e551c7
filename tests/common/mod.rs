//! Helpers shared by the integration tests.
//!
//! Every wait is a poll with a deadline: a test either sees the condition or
//! fails with a message naming what it waited for, never sleeps and hopes.

#![allow(dead_code)] // Each test binary uses its own subset.

use std::time::{Duration, Instant};

/// How long a test waits for something that should happen "soon" before it
/// calls it a failure. Generous: CI machines are shared and slow.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// Polls `poll` every millisecond until it returns `Some`, and returns that.
///
/// # Panics
/// When `timeout` passes first; the message names `what`.
pub fn wait_for<T>(what: &str, timeout: Duration, mut poll: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = poll() {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Polls `condition` every millisecond until it holds.
///
/// # Panics
/// When `timeout` passes first; the message names `what`.
pub fn wait_until(what: &str, timeout: Duration, mut condition: impl FnMut() -> bool) {
    wait_for(what, timeout, || condition().then_some(()));
}
