//! The engine contract, tested through the public API, by topic.

#[path = "../common/mod.rs"]
mod common;
mod support;

mod cap;
mod control;
mod dependencies;
mod durations;
mod events;
mod express;
mod ordering;
mod panics;
mod remote;
mod retries;
mod stress;
mod waker;
