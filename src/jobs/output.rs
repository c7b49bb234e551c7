//! What each line of a program's output means: jobdeck's own
//! `jobdeck:` lines, or text with the progress read from it (see
//! `jobs/progress/`). Lines are their text without escape sequences, as a
//! terminal per stream makes them (see [`crate::term`]).

use super::progress::{ProgressFormat, ProgressReader};

/// What one line of output means to jobdeck.
#[derive(Clone, Debug, PartialEq)]
pub enum LineMeaning {
    /// `jobdeck:progress <0..1>`: exact progress; not shown in the log.
    ExactProgress(f32),
    /// `jobdeck:sample <series> <x> <y>`: a plot point; not shown in the log.
    Sample {
        /// The series name (one word).
        series: String,
        /// The x coordinate.
        x: f64,
        /// The y coordinate.
        y: f64,
    },
    /// Ordinary output, maybe with progress found in it.
    Text {
        /// Progress read from the line, in the job's [`ProgressFormat`].
        progress: Option<f32>,
    },
}

/// Finds progress and samples in the lines of one attempt of a command.
///
/// A `jobdeck:progress <0..1>` or `jobdeck:sample <series> <x> <y>` line
/// means exactly that, whatever the [`ProgressFormat`]. Any other line is
/// text, with the progress the format reads in it (`jobs/progress/` has
/// the rules of each format).
#[derive(Debug)]
pub struct OutputParser {
    progress: ProgressReader,
}

impl Default for OutputParser {
    fn default() -> Self {
        Self::new(&ProgressFormat::Auto)
    }
}

impl OutputParser {
    /// A parser reading progress in `format`, for a new attempt.
    #[must_use]
    pub fn new(format: &ProgressFormat) -> Self {
        Self {
            progress: ProgressReader::new(format),
        }
    }

    /// What `line` means; `redrawn` when it was drawn over in place (it
    /// began after a `\r`, or ended with one). Malformed `jobdeck:` lines
    /// are ordinary text, so a person sees them in the log.
    pub fn parse(&mut self, line: &str, redrawn: bool) -> LineMeaning {
        if let Some(meaning) = explicit(line) {
            return meaning;
        }
        LineMeaning::Text {
            progress: self.progress.read(line, redrawn),
        }
    }
}

fn explicit(line: &str) -> Option<LineMeaning> {
    let rest = line.trim().strip_prefix("jobdeck:")?;
    let mut words = rest.split_whitespace();
    match words.next()? {
        "progress" => {
            let value: f32 = words.next()?.parse().ok()?;
            (words.next().is_none() && value.is_finite())
                .then_some(LineMeaning::ExactProgress(value.clamp(0.0, 1.0)))
        }
        "sample" => {
            let series = words.next()?.to_owned();
            let x: f64 = words.next()?.parse().ok()?;
            let y: f64 = words.next()?.parse().ok()?;
            words
                .next()
                .is_none()
                .then_some(LineMeaning::Sample { series, x, y })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobdeck_lines() {
        let mut parser = OutputParser::default();
        assert_eq!(
            parser.parse("jobdeck:progress 0.25", false),
            LineMeaning::ExactProgress(0.25)
        );
        assert_eq!(
            parser.parse("  jobdeck:progress 7 ", false),
            LineMeaning::ExactProgress(1.0)
        );
        assert_eq!(
            parser.parse("jobdeck:sample loss 3 0.5", false),
            LineMeaning::Sample {
                series: "loss".into(),
                x: 3.0,
                y: 0.5
            }
        );
        // Malformed: ordinary text (and so logged).
        assert_eq!(
            parser.parse("jobdeck:sample loss 3", false),
            LineMeaning::Text { progress: None }
        );
        assert_eq!(
            parser.parse("jobdeck:progress half", false),
            LineMeaning::Text { progress: None }
        );
    }

    #[test]
    fn exact_progress_counts_even_when_no_format_is_read() {
        let mut parser = OutputParser::new(&ProgressFormat::None);
        assert_eq!(
            parser.parse("jobdeck:progress 0.5", false),
            LineMeaning::ExactProgress(0.5)
        );
        assert_eq!(
            parser.parse(" 60%", true),
            LineMeaning::Text { progress: None }
        );
    }

    #[test]
    fn text_carries_the_progress_its_format_reads() {
        let mut parser = OutputParser::default();
        assert_eq!(
            parser.parse(" 30%|███       | 3/10 [00:01<00:02,  2.00it/s]", true),
            LineMeaning::Text {
                progress: Some(0.3)
            }
        );
    }
}
