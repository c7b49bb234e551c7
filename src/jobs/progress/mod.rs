//! A command's progress, read from the lines it prints
//! ([`ProgressReader`], one per attempt), in the [`ProgressFormat`] the job
//! asks for.
//!
//! `auto`, the default, reads a value only from a line that looks like a
//! progress display, so that numbers printed for other reasons (gzip's
//! compression ratios, df's `Use%`, a message that says "disk 95% full")
//! are not taken for progress. In order:
//! 1. The displays of known tools (see `tools.rs`): curl's meter, rsync's
//!    `--progress` and `--info=progress2`, wget's dots, ffmpeg's statistics
//!    and `-progress` keys (out of the input's `Duration`), git's phases
//!    (mapped onto one scale), and dd's byte counts (no total: no value).
//! 2. A bar and its percentage (tqdm, pv, wget's bar, curl `-#`; see
//!    `generic.rs`): the bar's own number, whatever else the line says.
//! 3. On a line drawn over in place (`\r`): its last percentage, else its
//!    last `n/total`.
//! 4. On any line: `n/total` in a shape that counts progress: `[ 3/10]` at
//!    the start (`ninja`, `CMake`), `3/10 files`, `1.5/4.0 MiB`.
//!
//! Bare numbers (`pv -n`) and lone percentages on lines of text are not
//! read; `progress = "percent"` or a regex reads them. Within an attempt,
//! `auto` progress never goes back: a lower value is not reported, unless a
//! known tool begins a new phase (rsync, once its percentages turn out to be
//! per file).
//!
//! `percent`, `fraction` and `regex` read every line and report what they
//! find, up or down.
//!
//! Lines come without terminal escapes (colours are stripped before), each
//! marked when it was drawn over with `\r`.

mod format;
mod generic;
mod tools;

#[cfg(test)]
mod fixtures;

use regex::Regex;

pub use format::{FormatError, FormatKind, ProgressFormat, ProgressRegex, ProgressRegexError};
use tools::{Reading, Tools};

/// Reads the progress of one attempt of a command from its lines.
#[derive(Debug)]
pub(crate) struct ProgressReader {
    rule: Rule,
}

/// How a [`ProgressReader`] reads, with its state.
#[derive(Debug)]
enum Rule {
    Auto(Auto),
    Percent,
    Fraction,
    Regex(Regex),
    None,
}

impl ProgressReader {
    /// A reader of `format`, for a new attempt.
    pub(crate) fn new(format: &ProgressFormat) -> Self {
        let rule = match format {
            ProgressFormat::Auto => Rule::Auto(Auto::default()),
            ProgressFormat::Percent => Rule::Percent,
            ProgressFormat::Fraction => Rule::Fraction,
            ProgressFormat::Regex(regex) => Rule::Regex(regex.regex().clone()),
            ProgressFormat::None => Rule::None,
        };
        Self { rule }
    }

    /// The progress to report for `line` (drawn over in place when
    /// `redrawn`), in `0..=1`; `None` when it shows none, or nothing new.
    pub(crate) fn read(&mut self, line: &str, redrawn: bool) -> Option<f32> {
        let value = match &mut self.rule {
            Rule::Auto(auto) => auto.read(line, redrawn),
            Rule::Percent => generic::last_percentage(line),
            Rule::Fraction => generic::last_fraction(line),
            Rule::Regex(regex) => by_regex(regex, line),
            Rule::None => None,
        };
        value.map(to_f32)
    }
}

/// `auto`'s state: the known tools' and the highest value reported.
#[derive(Debug, Default)]
struct Auto {
    tools: Tools,
    high: Option<f64>,
}

/// Every display `auto` reads has one of these (a percentage, a fraction,
/// a time, a `key=value`); most lines of output have none, and skip every
/// regex.
const DISPLAY_MARKS: [char; 4] = ['%', '/', ':', '='];

impl Auto {
    fn read(&mut self, line: &str, redrawn: bool) -> Option<f64> {
        if !line.contains(DISPLAY_MARKS) {
            return None;
        }
        let reading = match self.tools.read(line) {
            Some(reading) => reading,
            None => match generic_reading(line, redrawn) {
                Some(value) => Reading::Value(value),
                None => return None,
            },
        };
        let value = match reading {
            Reading::Restart(value) => value,
            Reading::Value(value) if self.high.is_none_or(|high| value > high) => value,
            // Nothing to be had, or lower than what was shown: no news.
            Reading::Nothing | Reading::Value(_) => return None,
        };
        self.high = Some(value);
        Some(value)
    }
}

/// Rules 2 to 4 of the module docs.
fn generic_reading(line: &str, redrawn: bool) -> Option<f64> {
    if let Some(value) = generic::bar_percentage(line) {
        return Some(value);
    }
    if redrawn
        && let Some(value) = generic::last_percentage(line).or_else(|| generic::last_fraction(line))
    {
        return Some(value);
    }
    generic::counted_fraction(line)
}

fn by_regex(regex: &Regex, line: &str) -> Option<f64> {
    let caps = regex.captures(line)?;
    let number = |i: usize| {
        caps.get(i)
            .and_then(|m| m.as_str().trim().parse::<f64>().ok())
    };
    if regex.captures_len() > 2 {
        let (done, total) = (number(1)?, number(2)?);
        (total > 0.0).then(|| (done / total).clamp(0.0, 1.0))
    } else {
        number(1).map(|percent| (percent / 100.0).clamp(0.0, 1.0))
    }
}

/// A fraction in `0..=1` as the `f32` progress wants; f32 holds it to
/// within 1e-7, far finer than any bar.
#[allow(clippy::cast_possible_truncation)]
fn to_f32(fraction: f64) -> f32 {
    fraction as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(format: &ProgressFormat, lines: &[(&str, bool)]) -> Vec<Option<f32>> {
        let mut reader = ProgressReader::new(format);
        lines
            .iter()
            .map(|(line, redrawn)| reader.read(line, *redrawn))
            .collect()
    }

    #[test]
    fn auto_reads_displays_and_leaves_text_alone() {
        let readings = read_all(
            &ProgressFormat::Auto,
            &[
                ("a.txt:\t 66.8% -- replaced with a.txt.gz", false),
                ("/dev/sda1  50G  40G  10G  80% /", false),
                ("42%", false),
                (" 42%", true),
                ("[ 3/4] building", false),
                ("12", false),
            ],
        );
        assert_eq!(readings, [None, None, None, Some(0.42), Some(0.75), None]);
    }

    #[test]
    fn auto_never_goes_back_within_an_attempt() {
        let readings = read_all(
            &ProgressFormat::Auto,
            &[
                (" 50%", true),
                (" 20%", true),
                (" 50%", true),
                (" 60%", true),
            ],
        );
        assert_eq!(readings, [Some(0.5), None, None, Some(0.6)]);
    }

    #[test]
    fn percent_and_fraction_read_every_line_up_or_down() {
        let lines = [("ratio 66.8%", false), ("then 3/10 and 20%", false)];
        assert_eq!(
            read_all(&ProgressFormat::Percent, &lines),
            [Some(0.668), Some(0.2)]
        );
        assert_eq!(
            read_all(&ProgressFormat::Fraction, &lines),
            [None, Some(0.3)]
        );
        assert_eq!(read_all(&ProgressFormat::None, &lines), [None, None]);
    }

    #[test]
    fn a_regex_replaces_every_rule() {
        let percent = ProgressFormat::Regex(ProgressRegex::new(r"^(\d+)$").unwrap());
        assert_eq!(
            read_all(&percent, &[("40", false), ("50%", true)]),
            [Some(0.4), None]
        );
        let pair = ProgressFormat::Regex(ProgressRegex::new(r"file (\d+) of (\d+)").unwrap());
        assert_eq!(read_all(&pair, &[("file 2 of 8", false)]), [Some(0.25)]);
    }
}
