//! One line of a job's log, and which output stream it came from.

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
}

/// One line of a job's log, without its line ending.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogLine {
    /// The line's text.
    pub text: String,
    /// Where it came from.
    pub stream: Stream,
}

impl LogLine {
    /// A line from standard output (or the job itself).
    #[must_use]
    pub fn stdout(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            stream: Stream::Stdout,
        }
    }

    /// A line from standard error.
    #[must_use]
    pub fn stderr(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            stream: Stream::Stderr,
        }
    }

    /// Bytes this line holds on the heap, for byte bounds.
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        self.text.capacity()
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
