//! Watching a running command: its output lines, its exit, and a stop
//! carried out as SIGTERM then SIGKILL to its process group.

use std::io::{self, Read};
use std::process::ExitStatus;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TryRecvError};
use nix::sys::signal::Signal;

use super::output::LineSplitter;
use super::process::ProcessGroup;
use crate::engine::JobContext;

/// How often the waiting thread looks at the stop flag.
const POLL: Duration = Duration::from_millis(5);

/// After the leader exits (and its group is killed), how long to keep
/// reading output still held open by a process that left the group.
const DRAIN: Duration = Duration::from_secs(1);

/// Waits for the leader to exit and its output to end, feeding lines to
/// `on_line` and carrying out a stop when one is asked.
pub(crate) fn watch(
    ctx: &JobContext,
    group: &mut ProcessGroup,
    lines: &Receiver<String>,
    stop: &mut StopSequence,
    mut on_line: impl FnMut(String),
) -> io::Result<ExitStatus> {
    let mut readers_done = false;
    let mut exited: Option<(ExitStatus, Instant)> = None;
    let mut idle_wait = Duration::from_micros(50);
    loop {
        if readers_done {
            // Output closed but the leader lives on (or just ended): look
            // again soon, backing off so a long silent run costs nothing.
            std::thread::sleep(idle_wait.min(POLL));
            idle_wait = (idle_wait * 2).min(POLL);
        } else {
            match lines.recv_timeout(POLL) {
                Ok(line) => {
                    on_line(line);
                    // Take what is already waiting before the next check.
                    for _ in 0..256 {
                        match lines.try_recv() {
                            Ok(line) => on_line(line),
                            Err(TryRecvError::Empty) => break,
                            Err(TryRecvError::Disconnected) => {
                                readers_done = true;
                                break;
                            }
                        }
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => readers_done = true,
            }
        }
        stop.advance(ctx, group);
        if exited.is_none()
            && let Some(status) = group.try_finish()?
        {
            exited = Some((status, Instant::now()));
        }
        if let Some((status, at)) = exited
            && (readers_done || at.elapsed() > DRAIN)
        {
            return Ok(status);
        }
    }
}

/// SIGTERM to the group once a stop is asked, SIGKILL after the grace.
pub(crate) struct StopSequence {
    grace: Duration,
    term_sent: Option<Instant>,
    kill_sent: bool,
}

impl StopSequence {
    pub(crate) fn new(grace: Duration) -> Self {
        Self {
            grace,
            term_sent: None,
            kill_sent: false,
        }
    }

    pub(crate) fn requested(&self) -> bool {
        self.term_sent.is_some()
    }

    fn advance(&mut self, ctx: &JobContext, group: &ProcessGroup) {
        match self.term_sent {
            None if ctx.should_stop() => {
                group.signal(Signal::SIGTERM);
                self.term_sent = Some(Instant::now());
                if self.grace.is_zero() {
                    group.signal(Signal::SIGKILL);
                    self.kill_sent = true;
                }
            }
            Some(at) if !self.kill_sent && at.elapsed() >= self.grace => {
                group.signal(Signal::SIGKILL);
                self.kill_sent = true;
            }
            _ => {}
        }
    }
}

/// Reads `source` to its end on a named thread, sending each line to `lines`.
/// Stops early when nobody listens any more.
pub(crate) fn spawn_reader(
    name: String,
    mut source: impl Read + Send + 'static,
    lines: Sender<String>,
) {
    let spawned = std::thread::Builder::new().name(name).spawn(move || {
        let mut splitter = LineSplitter::default();
        let mut buffer = [0_u8; 8192];
        let mut listening = true;
        while listening {
            match source.read(&mut buffer) {
                Ok(0) => break,
                Ok(read) => splitter.feed(&buffer[..read], |line| {
                    listening &= lines.send(line).is_ok();
                }),
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        splitter.finish(|line| {
            let _ = lines.send(line);
        });
    });
    // Without a thread the pipe is never read: dropping `source` closes it,
    // and a program writing to it gets SIGPIPE rather than hanging forever.
    drop(spawned);
}
