//! A short run of the randomized stress test (see
//! `examples/stress/harness.rs`); the long one is
//! `cargo run --release --example stress -- ROUNDS`.

#[path = "../../examples/stress/harness.rs"]
#[allow(dead_code)]
mod harness;

use std::time::Duration;

#[test]
fn randomized_rounds_keep_every_promise() {
    // The rounds' jobs panic on purpose; their messages would bury the
    // ones that matter.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload().downcast_ref::<&str>() != Some(&"stress panic") {
            default_hook(info);
        }
    }));
    let (rounds, jobs) = if cfg!(miri) { (1, 30) } else { (12, 300) };
    // Fixed seeds, so a failure here can be run again as it was.
    for seed in 0..rounds {
        if let Err(error) = harness::run_round(seed, jobs, Duration::from_secs(60)) {
            panic!("stress round with seed {seed} failed: {error}");
        }
    }
}
