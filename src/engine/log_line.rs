//! One line of a job's log, and which output stream it came from.

use crate::term::{self, StyleRun};

/// Which of a program's output streams a log line came from. A job's own
/// lines (`ctx.log`) count as stdout.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Stream {
    /// Standard output, and a job's own log lines.
    #[default]
    Stdout,
    /// Standard error.
    Stderr,
}

impl Stream {
    /// `"stdout"` or `"stderr"`, as the JSON output names it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stdout => "stdout",
            Self::Stderr => "stderr",
        }
    }

    /// 0 for stdout, 1 for stderr: for per-stream arrays.
    #[must_use]
    pub fn index(self) -> usize {
        self as usize
    }
}

/// How a line stands towards the line its stream showed before: a
/// terminal redraws the line under its cursor (a progress bar after `\r`)
/// until a newline ends it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum LineStatus {
    /// A line on its own: a job's own log line, or a note from jobdeck.
    #[default]
    Standalone,
    /// The line its stream is writing, as it stands now. It replaces the
    /// stream's previous unfinished line, and is replaced by the stream's
    /// next line, unfinished or finished. An empty one means the stream
    /// shows no unfinished line any more. Shown after the finished lines.
    Unfinished,
    /// A line its stream ended: it replaces the stream's unfinished line
    /// and takes its place among the finished lines, in the order lines
    /// ended.
    Finished,
}

/// Added to the text of a line cut at
/// [`MAX_LINE_CHARS`](crate::term::MAX_LINE_CHARS), wherever it is shown.
pub const CUT_NOTE: &str = " [jobdeck: cut at 65,536 characters, the line goes on in the next one]";

/// One line of a job's log, without its line ending or escape sequences.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogLine {
    /// The line's text, without escape sequences.
    pub text: String,
    /// Where it came from.
    pub stream: Stream,
    /// Colours and attributes of stretches of `text` (empty when plain).
    pub styles: Vec<StyleRun>,
    /// Whether it ended, or redraws its stream's unfinished line.
    pub status: LineStatus,
}

impl LogLine {
    /// A line from standard output (or the job itself).
    #[must_use]
    pub fn stdout(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            ..Self::default()
        }
    }

    /// A line from standard error.
    #[must_use]
    pub fn stderr(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            stream: Stream::Stderr,
            ..Self::default()
        }
    }

    /// A line of a stream's terminal; a cut line's text ends with
    /// [`CUT_NOTE`].
    #[must_use]
    pub fn from_terminal(line: term::Line, stream: Stream, status: LineStatus) -> Self {
        let term::Line {
            mut text,
            styles,
            cut,
            redrawn: _,
            cursor_inside: _,
        } = line;
        if cut {
            text.push_str(CUT_NOTE);
        }
        Self {
            text,
            stream,
            styles,
            status,
        }
    }

    /// Whether this line replaces its stream's unfinished line (it is not
    /// standalone).
    #[must_use]
    pub fn redraws_its_stream(&self) -> bool {
        self.status != LineStatus::Standalone
    }

    /// Bytes this line holds on the heap, for byte bounds.
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        self.text.capacity() + self.styles.capacity() * std::mem::size_of::<StyleRun>()
    }
}

impl From<String> for LogLine {
    fn from(text: String) -> Self {
        Self::stdout(text)
    }
}

impl From<&str> for LogLine {
    fn from(text: &str) -> Self {
        Self::stdout(text)
    }
}
