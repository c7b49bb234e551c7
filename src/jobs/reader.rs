//! The thread that reads a command's stdout and stderr.
//!
//! One named thread per command waits on both pipes at once with poll(2)
//! and reads whichever has output, a chunk at a time, so lines reach the
//! log in the order the program wrote them as closely as two pipes allow:
//! what one poll finds on both is taken stdout first, for the OS keeps no
//! order between two pipes. Each stream has its own [`LineSplitter`], so a
//! partial line on one is never glued to a line of the other.
//!
//! The reader ends when both pipes are closed, when nobody listens any
//! more, or when it is cancelled: a process that escaped the job (and its
//! attribution) may hold the pipes open forever, and the job must not wait
//! for it. Dropping the [`Reader`] cancels the thread and joins it, so a
//! job never leaves a thread or a descriptor behind.

use std::io::{self, PipeReader, PipeWriter, Read};
use std::os::fd::AsFd;
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender};
use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};

use super::lines::{Line, LineSplitter};
use crate::engine::Stream;

/// How many lines may wait between the reader and the job's watch loop;
/// past that the reader waits, and so the program's writes block.
const PENDING_LINES: usize = 1024;

/// The most read from a pipe at once. Small enough that one stream does
/// not run far ahead of the other when both have output waiting.
const READ_CHUNK: usize = 16 * 1024;

/// A line and the stream it came from.
#[derive(Debug)]
pub(crate) struct OutputLine {
    pub(crate) stream: Stream,
    pub(crate) line: Line,
}

/// The reading thread of one command, with the receiving end of its lines.
pub(crate) struct Reader {
    /// Declared before `_thread`, so it is dropped first: a thread blocked
    /// on a full channel then wakes before it is joined.
    lines: Receiver<OutputLine>,
    /// Held for its drop, which cancels and joins the thread.
    _thread: ReaderThread,
}

impl Reader {
    /// Starts a thread named `name` reading `stdout` and `stderr` to their
    /// ends.
    pub(crate) fn spawn(name: String, stdout: PipeReader, stderr: PipeReader) -> io::Result<Self> {
        let (cancel_reader, cancel) = io::pipe()?;
        let (tx, rx) = crossbeam_channel::bounded(PENDING_LINES);
        let handle = std::thread::Builder::new()
            .name(name)
            .spawn(move || read_both(stdout, stderr, &cancel_reader, &tx))?;
        Ok(Self {
            lines: rx,
            _thread: ReaderThread {
                cancel: Some(cancel),
                handle: Some(handle),
            },
        })
    }

    /// The lines read so far; disconnected once both pipes are closed.
    pub(crate) fn lines(&self) -> &Receiver<OutputLine> {
        &self.lines
    }
}

/// Cancels and joins the thread when dropped.
struct ReaderThread {
    /// Dropping it wakes the thread's poll and ends the thread.
    cancel: Option<PipeWriter>,
    handle: Option<JoinHandle<()>>,
}

impl Drop for ReaderThread {
    fn drop(&mut self) {
        drop(self.cancel.take());
        if let Some(handle) = self.handle.take() {
            // A panic in the reader has nothing left to tell the job.
            let _ = handle.join();
        }
    }
}

/// One of the two pipes, with its splitter.
struct Source {
    stream: Stream,
    pipe: Option<PipeReader>,
    splitter: LineSplitter,
}

impl Source {
    fn new(stream: Stream, pipe: PipeReader) -> Self {
        Self {
            stream,
            pipe: Some(pipe),
            splitter: LineSplitter::default(),
        }
    }

    /// Reads one chunk and sends its complete lines; at the end of the
    /// stream, sends the last partial line and closes the pipe. Returns
    /// whether anyone still listens.
    fn read_once(&mut self, buffer: &mut [u8], lines: &Sender<OutputLine>) -> bool {
        let Some(pipe) = &mut self.pipe else {
            return true;
        };
        let mut listening = true;
        let stream = self.stream;
        let send = |line| {
            listening &= lines.send(OutputLine { stream, line }).is_ok();
        };
        match pipe.read(buffer) {
            Ok(0) => {
                self.splitter.finish(send);
                self.pipe = None;
            }
            Ok(read) => self.splitter.feed(&buffer[..read], send),
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => {
                self.splitter.finish(send);
                self.pipe = None;
            }
        }
        listening
    }
}

/// The reader thread's body; see the module docs.
fn read_both(
    stdout: PipeReader,
    stderr: PipeReader,
    cancel: &PipeReader,
    lines: &Sender<OutputLine>,
) {
    let mut sources = [
        Source::new(Stream::Stdout, stdout),
        Source::new(Stream::Stderr, stderr),
    ];
    let mut buffer = vec![0_u8; READ_CHUNK];
    while sources.iter().any(|source| source.pipe.is_some()) {
        let Some(ready) = wait_ready(&sources, cancel) else {
            return;
        };
        for (source, ready) in sources.iter_mut().zip(ready) {
            if ready && !source.read_once(&mut buffer, lines) {
                return;
            }
        }
    }
}

/// Waits until a pipe has output (or has closed). Returns which sources
/// are ready, or `None` when the reader is cancelled or poll fails.
fn wait_ready(sources: &[Source; 2], cancel: &PipeReader) -> Option<[bool; 2]> {
    let wanted = PollFlags::POLLIN;
    let mut fds = vec![PollFd::new(cancel.as_fd(), wanted)];
    let mut slots = [None; 2];
    for (slot, source) in slots.iter_mut().zip(sources) {
        if let Some(pipe) = &source.pipe {
            *slot = Some(fds.len());
            fds.push(PollFd::new(pipe.as_fd(), wanted));
        }
    }
    loop {
        match poll(&mut fds, PollTimeout::NONE) {
            Ok(_) => break,
            Err(Errno::EINTR) => {}
            Err(_) => return None,
        }
    }
    let has_news = |index: usize| fds[index].revents().is_some_and(|flags| !flags.is_empty());
    if has_news(0) {
        return None;
    }
    Some(slots.map(|slot| slot.is_some_and(has_news)))
}
