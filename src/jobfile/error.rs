//! What is wrong with a job file, and where.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A 1-based line and column (in characters) in a job file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location {
    /// The line, counting from 1.
    pub line: usize,
    /// The column, counting characters from 1.
    pub column: usize,
}

impl Location {
    /// The location of byte `offset` in `text` (clamped to the text's end).
    #[must_use]
    pub fn of_offset(text: &str, offset: usize) -> Self {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Self {
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A job file that was refused. Its `Display` is
/// `FILE:LINE:COLUMN: what was wrong and what was expected`, or
/// `FILE: what was wrong` when no position applies (a file that cannot be
/// read).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct JobFileError {
    path: PathBuf,
    location: Option<Location>,
    message: String,
}

impl JobFileError {
    /// An error about the whole file, with no position.
    #[must_use]
    pub fn whole_file(path: &Path, message: impl Into<String>) -> Self {
        Self {
            path: path.to_path_buf(),
            location: None,
            message: message.into(),
        }
    }

    /// An error at byte offset `span.start` of `text`.
    #[must_use]
    pub fn at(path: &Path, text: &str, span: Range<usize>, message: impl Into<String>) -> Self {
        Self {
            path: path.to_path_buf(),
            location: Some(Location::of_offset(text, span.start)),
            message: message.into(),
        }
    }

    /// The file the error is about, as it was given.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where in the file, when the error has a position.
    #[must_use]
    pub fn location(&self) -> Option<Location> {
        self.location
    }

    /// What was wrong and what was expected, without the file and position.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for JobFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.location {
            Some(location) => write!(f, "{}:{location}: {}", self.path.display(), self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_one_based_lines_and_character_columns() {
        let text = "a = 1\nbé = \"x\"\n";
        assert_eq!(
            Location::of_offset(text, 0),
            Location { line: 1, column: 1 }
        );
        assert_eq!(
            Location::of_offset(text, 4),
            Location { line: 1, column: 5 }
        );
        assert_eq!(
            Location::of_offset(text, 6),
            Location { line: 2, column: 1 }
        );
        // "é" is two bytes but one column.
        let quote = text.find('"').unwrap();
        assert_eq!(
            Location::of_offset(text, quote),
            Location { line: 2, column: 6 }
        );
        assert_eq!(
            Location::of_offset(text, 999),
            Location { line: 3, column: 1 }
        );
    }

    #[test]
    fn display_is_file_line_column_message() {
        let error = JobFileError::at(Path::new("jobs.toml"), "x\ny = 1", 2..3, "bad");
        assert_eq!(error.to_string(), "jobs.toml:2:1: bad");
        let error = JobFileError::whole_file(Path::new("jobs.toml"), "cannot read: gone");
        assert_eq!(error.to_string(), "jobs.toml: cannot read: gone");
    }
}
