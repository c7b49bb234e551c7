//! The thread that reads a command's stdout and stderr.
//!
//! One named thread per command waits on both pipes at once with poll(2)
//! and reads whichever has output, a chunk at a time, so lines reach the
//! log in the order the program wrote them as closely as two pipes allow:
//! what one poll finds on both is taken stdout first, for the OS keeps no
//! order between two pipes. Each chunk is handed on as it was read (for
//! the full log), then the lines it ended and, once per chunk, the line
//! under the cursor if it changed. Each stream has its own [`Terminal`],
//! so a partial line on one is never glued to a line of the other, and a
//! bar redrawn a thousand times in one chunk costs one redraw.
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

use crate::engine::Stream;
use crate::term::{Line, Terminal};

/// How many pieces of output (chunks and lines) may wait between the
/// reader and the job's watch loop; past that the reader waits, and so the
/// program's writes block.
const PENDING_OUTPUT: usize = 1024;

/// The most read from a pipe at once. Small enough that one stream does
/// not run far ahead of the other when both have output waiting.
const READ_CHUNK: usize = 16 * 1024;

/// A piece of a command's output.
#[derive(Debug)]
pub(crate) enum Output {
    /// Bytes as the program wrote them, for the full log.
    Bytes { stream: Stream, bytes: Vec<u8> },
    /// A line the stream ended.
    Ended { stream: Stream, line: Line },
    /// The stream's line as it stood when a lone `\r` took the cursor
    /// back to draw it again: one whole frame of a display (a progress
    /// bar), for the progress it shows. The line goes on.
    Returned { line: Line },
    /// The stream's unfinished line, as it stands now (empty when there
    /// is none any more).
    Redraw { stream: Stream, line: Line },
}

/// The reading thread of one command, with the receiving end of its lines.
pub(crate) struct Reader {
    /// Declared before `_thread`, so it is dropped first: a thread blocked
    /// on a full channel then wakes before it is joined.
    output: Receiver<Output>,
    /// Held for its drop, which cancels and joins the thread.
    _thread: ReaderThread,
}

impl Reader {
    /// Starts a thread named `name` reading `stdout` and `stderr` to their
    /// ends.
    pub(crate) fn spawn(name: String, stdout: PipeReader, stderr: PipeReader) -> io::Result<Self> {
        let (cancel_reader, cancel) = io::pipe()?;
        let (tx, rx) = crossbeam_channel::bounded(PENDING_OUTPUT);
        let handle = std::thread::Builder::new()
            .name(name)
            .spawn(move || read_both(stdout, stderr, &cancel_reader, &tx))?;
        Ok(Self {
            output: rx,
            _thread: ReaderThread {
                cancel: Some(cancel),
                handle: Some(handle),
            },
        })
    }

    /// The output read so far; disconnected once both pipes are closed.
    pub(crate) fn output(&self) -> &Receiver<Output> {
        &self.output
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

/// One of the two pipes, with its terminal.
struct Source {
    stream: Stream,
    pipe: Option<PipeReader>,
    terminal: Terminal,
}

impl Source {
    fn new(stream: Stream, pipe: PipeReader) -> Self {
        Self {
            stream,
            pipe: Some(pipe),
            terminal: Terminal::reporting_returns(),
        }
    }

    /// Reads one chunk and sends it, the lines it ended and the redrawn
    /// line; at the end of the stream, ends the unfinished line and closes
    /// the pipe. Returns whether anyone still listens.
    fn read_once(&mut self, buffer: &mut [u8], output: &Sender<Output>) -> bool {
        let Some(pipe) = &mut self.pipe else {
            return true;
        };
        let stream = self.stream;
        let mut listening = true;
        let mut send = |piece| listening &= output.send(piece).is_ok();
        match pipe.read(buffer) {
            Ok(0) => self.close(&mut send),
            Ok(read) => read_chunk(&mut self.terminal, stream, &buffer[..read], &mut send),
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => self.close(&mut send),
        }
        listening
    }

    fn close(&mut self, send: &mut impl FnMut(Output)) {
        let stream = self.stream;
        self.terminal.finish(|ended| {
            send(Output::Ended {
                stream,
                line: ended.to_line(),
            });
        });
        self.pipe = None;
    }
}

/// What one read of `stream` turns into: the bytes, the lines they end,
/// and the line under the cursor if it changed.
fn read_chunk(
    terminal: &mut Terminal,
    stream: Stream,
    bytes: &[u8],
    send: &mut impl FnMut(Output),
) {
    send(Output::Bytes {
        stream,
        bytes: bytes.to_vec(),
    });
    terminal.feed(bytes, |ended| {
        let line = ended.to_line();
        send(if ended.is_return() {
            Output::Returned { line }
        } else {
            Output::Ended { stream, line }
        });
    });
    if let Some(line) = terminal.take_redraw() {
        send(Output::Redraw { stream, line });
    }
}

/// The reader thread's body; see the module docs.
fn read_both(stdout: PipeReader, stderr: PipeReader, cancel: &PipeReader, output: &Sender<Output>) {
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
            if ready && !source.read_once(&mut buffer, output) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::output::{LineMeaning, OutputParser};

    /// The progress a command reports for `bytes` read one redraw at a
    /// time (as a bar writes them): read as the reader reads, parsed as
    /// the command parses what it is handed.
    fn progress(bytes: &[u8]) -> Vec<f32> {
        let mut parser = OutputParser::default();
        let mut terminal = Terminal::reporting_returns();
        let mut found = Vec::new();
        let mut hear = |output: Output| {
            if let Output::Ended { line, .. }
            | Output::Returned { line, .. }
            | Output::Redraw { line, .. } = output
                && let LineMeaning::Text {
                    progress: Some(fraction),
                } = parser.parse(&line.text, line.redrawn)
            {
                found.push(fraction);
            }
        };
        for redraw in bytes.split_inclusive(|&byte| byte == b'\r') {
            read_chunk(&mut terminal, Stream::Stderr, redraw, &mut hear);
        }
        found
    }

    #[test]
    fn a_coloured_tqdm_bar_drives_progress_as_a_plain_one_does() {
        let coloured = progress(include_bytes!("../../tests/fixtures/term/tqdm_colour.bin"));
        let plain = progress(include_bytes!("../../tests/fixtures/term/tqdm_plain.bin"));
        assert_eq!(coloured, plain);
        let mut steps = coloured.clone();
        steps.dedup();
        assert_eq!(steps.len(), 21, "0% and each of the 20 steps: {coloured:?}");
        assert_eq!(steps.last(), Some(&1.0));
    }

    #[test]
    fn progress_is_read_from_the_text_without_escapes() {
        // A bold percentage: read raw, `m42%` is no percentage at all.
        let bar = b"\r\x1b[1m42%\x1b[0m done\r\x1b[1m100%\x1b[0m done\n";
        assert_eq!(progress(bar), [0.42, 1.0]);
        let raw = String::from_utf8_lossy(bar);
        assert_eq!(
            OutputParser::default().parse(raw.split('\r').nth(1).unwrap(), true),
            LineMeaning::Text { progress: None },
            "the escapes would hide it"
        );
    }
}
