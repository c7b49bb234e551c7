//! The Slurm driver against a real single-node cluster (started by
//! `tests/slurm/up.sh`; see `tests/slurm/support.rs` for when tests skip).
//! Every job runs on this machine, so the tests can look for its processes
//! in `/proc` and at its output file.

mod common;

#[path = "slurm/support.rs"]
mod support;

#[path = "slurm/jobs.rs"]
mod jobs;

#[path = "slurm/stop.rs"]
mod stop;

#[path = "slurm/cap.rs"]
mod cap;

#[path = "slurm/setup.rs"]
mod setup;
