//! The engine's randomized stress test, long form:
//! `cargo run --release --example stress -- ROUNDS [JOBS_PER_ROUND] [SEED]`.
//!
//! Each round is described in `stress/harness.rs`; a short run of the same
//! rounds is part of `cargo test` (`tests/engine/stress.rs`). Prints a line
//! per round and exits non-zero at the first round that fails, naming its
//! seed so it can be run again alone.

use std::process::ExitCode;
use std::time::{Duration, Instant};

#[path = "stress/harness.rs"]
mod harness;

fn arg(index: usize, default: u64) -> Result<u64, String> {
    match std::env::args().nth(index) {
        None => Ok(default),
        Some(text) => text
            .parse()
            .map_err(|_| format!("argument {index} must be a whole number, got {text:?}")),
    }
}

/// `ROUNDS`, `JOBS_PER_ROUND` and the first round's seed.
fn args() -> Result<(u64, u64, u64), String> {
    Ok((arg(1, 100)?, arg(2, 2000)?, arg(3, fastrand::u64(..))?))
}

fn main() -> ExitCode {
    let parsed = args();
    let (rounds, jobs, first_seed) = match parsed {
        Ok(args) => args,
        Err(message) => {
            eprintln!("stress: {message}\nusage: stress ROUNDS [JOBS_PER_ROUND] [SEED]");
            return ExitCode::from(2);
        }
    };
    let jobs = usize::try_from(jobs).unwrap_or(usize::MAX);
    // The rounds' jobs panic on purpose; their messages would bury the
    // ones that matter.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload().downcast_ref::<&str>() != Some(&"stress panic") {
            default_hook(info);
        }
    }));
    let started = Instant::now();
    let mut total_jobs = 0;
    let mut total_events = 0;
    for round in 0..rounds {
        let seed = first_seed.wrapping_add(round);
        match harness::run_round(seed, jobs, Duration::from_secs(120)) {
            Ok(report) => {
                total_jobs += report.jobs;
                total_events += report.events;
                println!(
                    "round {round} seed {seed}: {} jobs, {} events, cap {:?}, peak running {}, {:?}",
                    report.jobs,
                    report.events,
                    report.fixed_cap,
                    report.peak_running,
                    report.outcomes
                );
            }
            Err(error) => {
                eprintln!("round {round} seed {seed} FAILED: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    println!(
        "stress: {rounds} rounds, {total_jobs} jobs, {total_events} events, all checks passed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    ExitCode::SUCCESS
}
