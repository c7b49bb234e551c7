//! How a command's progress is read from its output: [`ProgressFormat`],
//! and the checked regex it may carry.

use regex::Regex;
use serde::{Deserialize, Serialize};

/// How a command job reads its progress from the lines it prints. The
/// `jobdeck:progress <0..1>` lines count whatever the format, `None`
/// included: they are jobdeck's own protocol, not a guess.
///
/// In JSON and job files it is the `progress` key (`"auto"`, `"percent"`,
/// `"fraction"`, `"regex"`, `"none"`), with `progress_regex` for a regex;
/// `progress_regex` alone means `"regex"`, and `"auto"` is left out.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ProgressKeys", into = "ProgressKeys")]
pub enum ProgressFormat {
    /// A value only where a line looks like a progress display: a line drawn
    /// over with `\r`, a bar, `n/total` with a unit or a known shape, or the
    /// output of a known tool (curl, rsync, pv, wget, ffmpeg, git, tqdm). An
    /// attempt's progress never goes back, except where a tool is known to
    /// start a new phase. See `jobs/progress/mod.rs` for every rule.
    #[default]
    Auto,
    /// The last percentage (`42%`, `42.5 %`, up to 100) on any line.
    Percent,
    /// The last `n/total` standing alone on any line (`3/10`, `[ 3/10]`).
    Fraction,
    /// Only what this regex captures: one group is a percentage, two are
    /// done and total.
    Regex(ProgressRegex),
    /// No progress is read from the output.
    None,
}

impl ProgressFormat {
    /// The name used for it in job files and JSON.
    #[must_use]
    pub fn key(&self) -> &'static str {
        self.kind().key()
    }

    fn kind(&self) -> FormatKind {
        match self {
            Self::Auto => FormatKind::Auto,
            Self::Percent => FormatKind::Percent,
            Self::Fraction => FormatKind::Fraction,
            Self::Regex(_) => FormatKind::Regex,
            Self::None => FormatKind::None,
        }
    }
}

/// [`ProgressFormat`] without its regex: the `progress` key's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormatKind {
    /// See [`ProgressFormat::Auto`].
    Auto,
    /// See [`ProgressFormat::Percent`].
    Percent,
    /// See [`ProgressFormat::Fraction`].
    Fraction,
    /// See [`ProgressFormat::Regex`].
    Regex,
    /// See [`ProgressFormat::None`].
    None,
}

impl FormatKind {
    /// Every value, in the order messages list them.
    pub const ALL: [Self; 5] = [
        Self::Auto,
        Self::Percent,
        Self::Fraction,
        Self::Regex,
        Self::None,
    ];

    /// The name used in job files and JSON.
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Percent => "percent",
            Self::Fraction => "fraction",
            Self::Regex => "regex",
            Self::None => "none",
        }
    }

    /// The value named `key`, if any.
    #[must_use]
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.key() == key)
    }
}

/// Why a `progress` and a `progress_regex` do not make a [`ProgressFormat`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// `progress = "regex"` without a regex.
    #[error("progress = \"regex\" needs a `progress_regex`")]
    RegexMissing,
    /// A regex with a format that does not use one.
    #[error(
        "`progress_regex` is only read with progress = \"regex\" (or without `progress`), not with progress = \"{0}\""
    )]
    RegexUnused(&'static str),
}

impl ProgressFormat {
    /// The format that a `progress` key and a `progress_regex` say,
    /// either of them absent.
    ///
    /// # Errors
    /// When they contradict each other.
    pub fn from_keys(
        kind: Option<FormatKind>,
        regex: Option<ProgressRegex>,
    ) -> Result<Self, FormatError> {
        match (kind, regex) {
            (None | Some(FormatKind::Regex), Some(regex)) => Ok(Self::Regex(regex)),
            (Some(FormatKind::Regex), None) => Err(FormatError::RegexMissing),
            (Some(kind), Some(_)) => Err(FormatError::RegexUnused(kind.key())),
            (None | Some(FormatKind::Auto), None) => Ok(Self::Auto),
            (Some(FormatKind::Percent), None) => Ok(Self::Percent),
            (Some(FormatKind::Fraction), None) => Ok(Self::Fraction),
            (Some(FormatKind::None), None) => Ok(Self::None),
        }
    }
}

/// The two keys a [`ProgressFormat`] is written as.
#[derive(Serialize, Deserialize)]
struct ProgressKeys {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    progress: Option<FormatKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    progress_regex: Option<ProgressRegex>,
}

impl TryFrom<ProgressKeys> for ProgressFormat {
    type Error = FormatError;

    fn try_from(keys: ProgressKeys) -> Result<Self, FormatError> {
        Self::from_keys(keys.progress, keys.progress_regex)
    }
}

impl From<ProgressFormat> for ProgressKeys {
    fn from(format: ProgressFormat) -> Self {
        match format {
            // The regex says it all.
            ProgressFormat::Regex(regex) => Self {
                progress: None,
                progress_regex: Some(regex),
            },
            ProgressFormat::Auto => Self {
                progress: None,
                progress_regex: None,
            },
            other => Self {
                progress: Some(other.kind()),
                progress_regex: None,
            },
        }
    }
}

/// A regex that reads progress from a line: one capture group is a
/// percentage, two are done and total. Checked when made, so a spec never
/// holds one the parser cannot use. In JSON, the pattern as a string.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ProgressRegex(Regex);

/// Why a pattern cannot be a [`ProgressRegex`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProgressRegexError {
    /// The regex does not compile; the reason in one line.
    #[error("is not a valid regex: {0}")]
    Invalid(String),
    /// It compiles, with a number of groups that means nothing.
    #[error("must have 1 capture group (a percentage) or 2 (done and total), found {0}")]
    Groups(usize),
}

impl ProgressRegex {
    /// Compiles and checks `pattern`.
    ///
    /// # Errors
    /// When it is not a regex, or has other than 1 or 2 capture groups.
    pub fn new(pattern: &str) -> Result<Self, ProgressRegexError> {
        let regex = Regex::new(pattern).map_err(|error| {
            // The regex crate's message ends with its one-line reason.
            let text = error.to_string();
            let reason = text.lines().last().unwrap_or(&text);
            ProgressRegexError::Invalid(reason.trim_start_matches("error: ").to_owned())
        })?;
        Self::from_regex(regex)
    }

    /// Checks a compiled `regex`.
    ///
    /// # Errors
    /// When it has other than 1 or 2 capture groups.
    pub fn from_regex(regex: Regex) -> Result<Self, ProgressRegexError> {
        match regex.captures_len() - 1 {
            1 | 2 => Ok(Self(regex)),
            groups => Err(ProgressRegexError::Groups(groups)),
        }
    }

    /// The pattern as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The compiled regex.
    #[must_use]
    pub fn regex(&self) -> &Regex {
        &self.0
    }
}

impl PartialEq for ProgressRegex {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl TryFrom<String> for ProgressRegex {
    type Error = String;

    fn try_from(pattern: String) -> Result<Self, String> {
        Self::new(&pattern).map_err(|error| format!("progress_regex {error}"))
    }
}

impl From<ProgressRegex> for String {
    fn from(regex: ProgressRegex) -> Self {
        regex.as_str().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_make_a_format_or_say_why_not() {
        let regex = || ProgressRegex::new(r"(\d+)%").unwrap();
        assert_eq!(
            ProgressFormat::from_keys(None, None),
            Ok(ProgressFormat::Auto)
        );
        assert_eq!(
            ProgressFormat::from_keys(None, Some(regex())),
            Ok(ProgressFormat::Regex(regex()))
        );
        assert_eq!(
            ProgressFormat::from_keys(Some(FormatKind::Regex), Some(regex())),
            Ok(ProgressFormat::Regex(regex()))
        );
        assert_eq!(
            ProgressFormat::from_keys(Some(FormatKind::Regex), None),
            Err(FormatError::RegexMissing)
        );
        assert_eq!(
            ProgressFormat::from_keys(Some(FormatKind::Percent), Some(regex())),
            Err(FormatError::RegexUnused("percent"))
        );
        assert_eq!(
            ProgressFormat::from_keys(Some(FormatKind::None), None),
            Ok(ProgressFormat::None)
        );
    }

    #[test]
    fn every_kind_has_a_key_that_reads_back() {
        for kind in FormatKind::ALL {
            assert_eq!(FormatKind::from_key(kind.key()), Some(kind));
        }
        assert_eq!(FormatKind::from_key("percentage"), None);
    }
}
