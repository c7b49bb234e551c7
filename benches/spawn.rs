//! What spawning a program costs, by the way a command job could ask for
//! SIGKILL when jobdeck dies. Spawns `true` one after another and waits for
//! each, in one process whose memory is first grown to a given size (fork
//! copies the page tables of all of it; `posix_spawn` copies none), the ways
//! interleaved run by run. Prints, per size, one `RESULT` line with the
//! median microseconds per spawn of:
//! - `posix_spawn`: no death signal at all (the floor);
//! - `fork_prctl`: `pre_exec` sets `PR_SET_PDEATHSIG` (std must fork);
//! - `setpriv`: `posix_spawn` of `setpriv --pdeathsig KILL -- true`
//!   (util-linux), which sets it and execs the program.
//!
//! Run with `cargo bench --bench spawn` (`SPAWNS=N`, default 400 per run).

use std::hint::black_box;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::Instant;

use nix::sys::prctl;
use nix::sys::signal::Signal;

/// Paired runs per size; the median of each way is reported.
const RUNS: usize = 7;

#[derive(Clone, Copy, Debug)]
enum Way {
    PosixSpawn,
    ForkPrctl,
    Setpriv,
}

const WAYS: [Way; 3] = [Way::PosixSpawn, Way::ForkPrctl, Way::Setpriv];

fn command(way: Way) -> Command {
    let mut command = match way {
        Way::PosixSpawn | Way::ForkPrctl => Command::new("true"),
        Way::Setpriv => {
            let mut command = Command::new("setpriv");
            command.args(["--pdeathsig", "KILL", "--", "true"]);
            command
        }
    };
    if let Way::ForkPrctl = way {
        set_pdeathsig(&mut command);
    }
    command
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

/// The way jobdeck did it before: a `pre_exec` hook, which makes std fork.
#[allow(unsafe_code)]
fn set_pdeathsig(command: &mut Command) {
    // SAFETY: the closure makes one system call (prctl) through nix's thin
    // wrapper between fork and exec; it allocates nothing and takes no lock.
    unsafe {
        command.pre_exec(|| {
            prctl::set_pdeathsig(Signal::SIGKILL)?;
            Ok(())
        });
    }
}

/// Microseconds per spawn-and-wait of `spawns` programs.
fn run(way: Way, spawns: usize) -> f64 {
    let start = Instant::now();
    for _ in 0..spawns {
        let status = command(way).status().expect("the program runs");
        assert!(status.success(), "{way:?}: {status}");
    }
    start.elapsed().as_secs_f64() * 1e6 / spawns as f64
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let spawns: usize = std::env::var("SPAWNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(400);
    // Resident memory added before measuring: none (the CLI's few MB),
    // then about what the window holds with a big batch on its board.
    let mut ballast: Vec<u8> = Vec::new();
    for extra_mb in [0_usize, 256] {
        ballast.resize(extra_mb << 20, 1);
        // Touch every page, so it is resident and fork has it to copy.
        for page in ballast.chunks_mut(4096) {
            page[0] = 2;
        }
        black_box(&ballast);
        let mut times = vec![Vec::new(); WAYS.len()];
        for _ in 0..RUNS {
            for (index, way) in WAYS.iter().enumerate() {
                times[index].push(run(*way, spawns));
            }
        }
        let [posix, fork, setpriv] = [0, 1, 2].map(|i| median(times[i].clone()));
        println!(
            "RESULT spawn_rss_plus_{extra_mb}mb posix_spawn_us={posix:.0} fork_prctl_us={fork:.0} setpriv_us={setpriv:.0}"
        );
    }
}
