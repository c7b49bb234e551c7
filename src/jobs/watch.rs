//! Watching a running command: its output, its exit, and what is asked
//! of it (see [`Control`]).
//!
//! While output flows the loop blocks on the output channel and looks at the
//! job's flags every [`STOP_POLL`]. Once the program has been quiet for a
//! while, the loop sleeps in [`JobContext::sleep`] instead, which a stop cuts
//! short: a long silent run then costs a few wake-ups a second, not hundreds,
//! and a stop is still seen at once.

use std::io;
use std::process::ExitStatus;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, TryRecvError};

use super::control::{Control, Notice};
use super::process::JobProcesses;
use super::reader::Output;
use crate::engine::JobContext;

/// How often the flags are looked at while the loop waits on something a
/// stop cannot wake: the output channel, or a stop under way.
const STOP_POLL: Duration = Duration::from_millis(5);

/// The longest sleep through a quiet program. Only a stop cuts it short, so
/// it bounds how late a pause, a resume, the first output after the quiet or
/// the program's exit is seen.
const QUIET_WAIT_MAX: Duration = Duration::from_millis(50);

/// The sleep through a quiet program is this fraction of the quiet so far:
/// the loop sleeps only after 100 ms without output, and a program's exit
/// is seen late by a twentieth of its silence at most (and 50 ms).
const QUIET_WAIT_DIVISOR: u32 = 20;

/// Pieces of output taken in one go after a sleep before the flags are
/// looked at again.
const DRAIN_BATCH: usize = 4096;

/// After the leader exits (and every process known to be the job's is
/// killed), how long to keep reading output still held open by a process
/// that escaped notice (see `escapees.rs`). The job's output reader is then
/// cancelled, so such a process cannot keep the job running.
const DRAIN: Duration = Duration::from_millis(250);

/// What the watch loop hands on.
pub(crate) enum Seen {
    /// A piece of the program's output.
    Output(Output),
    /// The program was paused or resumed.
    Notice(Notice),
    /// No output came for a moment (one poll, or a sleep through quiet).
    Lull,
}

/// Waits for the leader to exit and its output to end, feeding output and
/// notices to `on_seen` and carrying out what is asked of the job.
pub(crate) fn watch(
    ctx: &JobContext,
    processes: &mut JobProcesses,
    output: &Receiver<Output>,
    control: &mut Control,
    mut on_seen: impl FnMut(Seen),
) -> io::Result<ExitStatus> {
    let mut readers_done = false;
    let mut exited: Option<(ExitStatus, Instant)> = None;
    let mut last_activity = Instant::now();
    let mut settle_wait = Duration::from_micros(50);
    loop {
        let quiet_wait = (last_activity.elapsed() / QUIET_WAIT_DIVISOR).min(QUIET_WAIT_MAX);
        let drained = if quiet_wait > STOP_POLL && !ctx.should_stop() {
            // Long quiet: a stop wakes this sleep, output does not.
            let _ = ctx.sleep(quiet_wait);
            drain(output, &mut on_seen)
        } else if readers_done {
            // Output closed but the leader lives on (or just ended): look
            // again soon, backing off towards the usual poll.
            std::thread::sleep(settle_wait);
            settle_wait = (settle_wait * 2).min(STOP_POLL);
            Drained::default()
        } else {
            match output.recv_timeout(STOP_POLL) {
                Ok(piece) => {
                    on_seen(Seen::Output(piece));
                    let mut drained = drain(output, &mut on_seen);
                    drained.received = true;
                    drained
                }
                Err(RecvTimeoutError::Timeout) => Drained::default(),
                Err(RecvTimeoutError::Disconnected) => Drained {
                    received: false,
                    disconnected: true,
                },
            }
        };
        if drained.received || (drained.disconnected && !readers_done) {
            last_activity = Instant::now();
        }
        if !drained.received {
            on_seen(Seen::Lull);
        }
        readers_done |= drained.disconnected;
        if exited.is_none() {
            // After the exit the group is gone and its id may be reused:
            // no more signals then.
            if let Some(notice) = control.advance(ctx, processes) {
                on_seen(Seen::Notice(notice));
            }
            if let Some(status) = processes.try_finish()? {
                exited = Some((status, Instant::now()));
            }
        }
        if let Some((status, at)) = exited
            && (readers_done || at.elapsed() > DRAIN)
        {
            return Ok(status);
        }
    }
}

/// What [`drain`] found.
#[derive(Default)]
struct Drained {
    received: bool,
    disconnected: bool,
}

/// Takes the output already waiting, up to [`DRAIN_BATCH`] pieces.
fn drain(output: &Receiver<Output>, on_seen: &mut impl FnMut(Seen)) -> Drained {
    let mut drained = Drained::default();
    for _ in 0..DRAIN_BATCH {
        match output.try_recv() {
            Ok(piece) => {
                drained.received = true;
                on_seen(Seen::Output(piece));
            }
            Err(TryRecvError::Empty) => break,
            Err(TryRecvError::Disconnected) => {
                drained.disconnected = true;
                break;
            }
        }
    }
    drained
}
