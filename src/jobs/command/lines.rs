//! What the output of a running command turns into: progress, plot
//! points and lines of the job's log, from the lines its terminals end,
//! the frames they return over and the line being redrawn.

use super::super::output::{LineMeaning, OutputParser};
use super::super::stderr_tail::StderrTail;
use crate::engine::{JobContext, LineStatus, LogLine, Stream};
use crate::term;

/// What the lines of a running command turn into.
pub(super) struct Lines<'a> {
    ctx: &'a JobContext,
    parser: OutputParser,
    /// The last lines of stderr, for a failure's message.
    pub(super) stderr_tail: StderrTail,
    /// Per stream: an unfinished line was put in the job's log and not
    /// replaced since.
    redrawn: [bool; 2],
}

impl<'a> Lines<'a> {
    /// Lines of the attempt `ctx` runs, their progress read by `parser`.
    pub(super) fn new(ctx: &'a JobContext, parser: OutputParser) -> Self {
        Self {
            ctx,
            parser,
            stderr_tail: StderrTail::default(),
            redrawn: [false; 2],
        }
    }

    /// A line the program ended: progress, a plot point, or a line for
    /// the job's log.
    pub(super) fn ended(&mut self, stream: Stream, line: term::Line) {
        match self.parser.parse(&line.text, line.redrawn) {
            LineMeaning::ExactProgress(fraction) => {
                self.ctx.progress(fraction);
                self.retract_redraw(stream);
            }
            LineMeaning::Sample { series, x, y } => {
                self.ctx.sample(&series, x, y);
                self.retract_redraw(stream);
            }
            LineMeaning::Text { progress } => {
                if let Some(fraction) = progress {
                    self.ctx.progress(fraction);
                }
                let line = LogLine::from_terminal(line, stream, LineStatus::Finished);
                if stream == Stream::Stderr {
                    self.stderr_tail.push(&line.text);
                }
                self.redrawn[stream.index()] = false;
                self.ctx.log(line);
            }
        }
    }

    /// A whole frame of a display redrawn in place, as it stood when the
    /// program took the cursor back: its progress (the line itself shows
    /// as a redraw, then as it ends).
    pub(super) fn returned(&mut self, line: &term::Line) {
        if let LineMeaning::Text {
            progress: Some(fraction),
        } = self.parser.parse(&line.text, line.redrawn)
        {
            self.ctx.progress(fraction);
        }
    }

    /// The program's unfinished line as it stands: progress, and the line
    /// for the job's log, unless it may yet end as a `jobdeck:` line.
    pub(super) fn redraw(&mut self, stream: Stream, line: term::Line) {
        if may_become_explicit(&line.text) {
            self.retract_redraw(stream);
            return;
        }
        // Mid-redraw, the line mixes the new display with the old one's
        // tail (` 9` written over ` 32%` reads `92%`): no progress from it.
        if !line.cursor_inside
            && let LineMeaning::Text {
                progress: Some(fraction),
            } = self.parser.parse(&line.text, line.redrawn)
        {
            self.ctx.progress(fraction);
        }
        self.redrawn[stream.index()] = !line.text.is_empty();
        self.ctx
            .log(LogLine::from_terminal(line, stream, LineStatus::Unfinished));
    }

    /// Takes back the unfinished line shown for `stream`, if any: the line
    /// ended as something the log does not show.
    fn retract_redraw(&mut self, stream: Stream) {
        if std::mem::take(&mut self.redrawn[stream.index()]) {
            self.ctx.log(LogLine {
                stream,
                status: LineStatus::Unfinished,
                ..LogLine::default()
            });
        }
    }
}

/// Whether an unfinished line may still end as a `jobdeck:` line (see
/// [`OutputParser`]): it starts with that, or with a start of it. Such a
/// line is not shown until it ends.
fn may_become_explicit(text: &str) -> bool {
    const PREFIX: &str = "jobdeck:";
    let text = text.trim_start();
    !text.is_empty() && (text.starts_with(PREFIX) || PREFIX.starts_with(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unfinished_lines_that_may_become_jobdeck_lines_wait() {
        for text in ["jobd", "  jobdeck:", "jobdeck:progress 0.", "j"] {
            assert!(may_become_explicit(text), "{text:?}");
        }
        for text in ["", " 10%", "job done", "xjobdeck:"] {
            assert!(!may_become_explicit(text), "{text:?}");
        }
    }
}
