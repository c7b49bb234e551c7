//! Finding progress and plot samples in the lines of a program's output:
//! their text without escape sequences, as a terminal per stream makes it
//! (see [`crate::term`]).

use std::sync::LazyLock;

use regex::Regex;

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
        /// Progress read from the line (percentage, fraction or regex).
        progress: Option<f32>,
    },
}

/// Finds progress and samples in lines of output.
///
/// In order: a `jobdeck:progress <0..1>` or `jobdeck:sample <series> <x> <y>`
/// line means exactly that. Otherwise, with a progress regex, only the regex
/// counts: one capture group is a percentage, two are done and total.
/// Without one, the last percentage on the line (`42%`, `42.5 %`, up to 100,
/// not glued to a longer number or word) wins, else the last `n/total`
/// fraction standing alone (`3/10`, `[ 3/10]`, with done <= total) — never a
/// piece of a date or path such as `2024/01/02` or `src/1/2`, and never a
/// time such as `12:30`.
#[derive(Clone, Debug, Default)]
pub struct OutputParser {
    regex: Option<Regex>,
}

/// `42%`, `42.5 %`; the number must not continue a longer number or word.
static PERCENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^\w.])(\d{1,3}(?:\.\d+)?) ?%").expect("valid percentage regex")
});

/// `3/10`, `[ 3/10]`, `(3 / 10)`: whitespace or a bracket before, and after
/// it the end, whitespace, a bracket, a comma or a colon — never another `/`
/// or digit, so dates such as `2024/01/02` are not fractions.
static FRACTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[\s\[(])(\d{1,12}) ?/ ?(\d{1,12})(?:$|[\s\]),:])")
        .expect("valid fraction regex")
});

impl OutputParser {
    /// A parser using the built-in heuristics, or only `regex` when given.
    #[must_use]
    pub fn new(regex: Option<Regex>) -> Self {
        Self { regex }
    }

    /// What `line` means. Malformed `jobdeck:` lines are ordinary text, so a
    /// person sees them in the log.
    #[must_use]
    pub fn parse(&self, line: &str) -> LineMeaning {
        if let Some(meaning) = explicit(line) {
            return meaning;
        }
        let progress = match &self.regex {
            Some(regex) => by_regex(regex, line),
            None => last_percentage(line).or_else(|| last_fraction(line)),
        };
        LineMeaning::Text { progress }
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

fn last_percentage(line: &str) -> Option<f32> {
    PERCENT
        .captures_iter(line)
        .filter_map(|caps| caps[1].parse::<f32>().ok())
        .filter(|percent| *percent <= 100.0)
        .last()
        .map(|percent| percent / 100.0)
}

fn last_fraction(line: &str) -> Option<f32> {
    // Matches overlap at the shared separator ("1/2 3/4"), so search from
    // each match's second number rather than with `captures_iter`.
    let mut found = None;
    let mut start = 0;
    while let Some(caps) = FRACTION.captures_at(line, start) {
        found = fraction(&caps[1], &caps[2]).or(found);
        start = caps.get(2).map_or(line.len(), |m| m.start());
    }
    found
}

fn fraction(done: &str, total: &str) -> Option<f32> {
    let done: f64 = done.parse().ok()?;
    let total: f64 = total.parse().ok()?;
    (total > 0.0 && done <= total).then(|| to_f32(done / total))
}

fn by_regex(regex: &Regex, line: &str) -> Option<f32> {
    let caps = regex.captures(line)?;
    let number = |i: usize| {
        caps.get(i)
            .and_then(|m| m.as_str().trim().parse::<f64>().ok())
    };
    if regex.captures_len() > 2 {
        let (done, total) = (number(1)?, number(2)?);
        (total > 0.0).then(|| to_f32((done / total).clamp(0.0, 1.0)))
    } else {
        number(1).map(|percent| to_f32((percent / 100.0).clamp(0.0, 1.0)))
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

    fn progress(line: &str) -> Option<f32> {
        match OutputParser::default().parse(line) {
            LineMeaning::Text { progress } => progress,
            other => panic!("{line:?} parsed as {other:?}"),
        }
    }

    #[test]
    fn percentages_as_tools_print_them() {
        assert_eq!(progress("42%"), Some(0.42));
        assert_eq!(progress("done: 42.5 %"), Some(0.425));
        // tqdm: the bar's percentage, not its n/total.
        assert_eq!(
            progress(" 30%|███       | 3/10 [00:01<00:02,  2.00it/s]"),
            Some(0.3)
        );
        // curl -#: the last percentage on the line.
        assert_eq!(
            progress("######                      20.0%  ###### 25.0%"),
            Some(0.25)
        );
        assert_eq!(progress("cpu 150%"), None);
        assert_eq!(progress("v1.42%"), None);
        assert_eq!(progress("no numbers %"), None);
    }

    #[test]
    fn fractions_with_bounds() {
        assert_eq!(progress("3/10"), Some(0.3));
        assert_eq!(progress("[ 3/10] compiling"), Some(0.3));
        assert_eq!(progress("step (1 / 4), then"), Some(0.25));
        assert_eq!(progress("1/2 then 3/4"), Some(0.75));
        assert_eq!(progress("11/10"), None);
        assert_eq!(progress("0/0"), None);
    }

    #[test]
    fn dates_times_and_paths_are_not_progress() {
        assert_eq!(progress("12:30"), None);
        assert_eq!(progress("at 12:30:45 on 2024/01/02"), None);
        assert_eq!(progress("2024/01/02"), None);
        assert_eq!(progress("reading src/1/2/file"), None);
        assert_eq!(progress("ratio a1/2"), None);
    }

    #[test]
    fn jobdeck_lines() {
        let parser = OutputParser::default();
        assert_eq!(
            parser.parse("jobdeck:progress 0.25"),
            LineMeaning::ExactProgress(0.25)
        );
        assert_eq!(
            parser.parse("  jobdeck:progress 7 "),
            LineMeaning::ExactProgress(1.0)
        );
        assert_eq!(
            parser.parse("jobdeck:sample loss 3 0.5"),
            LineMeaning::Sample {
                series: "loss".into(),
                x: 3.0,
                y: 0.5
            }
        );
        // Malformed: ordinary text (and so logged).
        assert_eq!(
            parser.parse("jobdeck:sample loss 3"),
            LineMeaning::Text { progress: None }
        );
        assert_eq!(
            parser.parse("jobdeck:progress half"),
            LineMeaning::Text { progress: None }
        );
    }

    #[test]
    fn a_regex_replaces_the_heuristics() {
        let percent = OutputParser::new(Some(Regex::new(r"Progress: (\d+)").unwrap()));
        assert_eq!(
            percent.parse("Progress: 40"),
            LineMeaning::Text {
                progress: Some(0.4)
            }
        );
        assert_eq!(percent.parse("50%"), LineMeaning::Text { progress: None });
        let pair = OutputParser::new(Some(Regex::new(r"file (\d+) of (\d+)").unwrap()));
        assert_eq!(
            pair.parse("file 2 of 8"),
            LineMeaning::Text {
                progress: Some(0.25)
            }
        );
    }
}
