//! The marks file beside a full log: which stream wrote which bytes.
//!
//! A full log holds a program's bytes as they were read, stdout and stderr
//! interleaved (as a terminal would get them) and jobdeck's own notes
//! between them. The marks file (`<log>.streams`) says where each run of
//! bytes of one origin begins: a list of 8-byte records, little-endian,
//! the low 56 bits a byte offset into the log and the high byte what
//! starts there — 0 stdout, 1 stderr, 2 a jobdeck note, 3 the end of an
//! attempt (its program's unfinished lines end there). Bytes before the
//! first mark are stdout. The writer writes a mark to the marks file
//! before the bytes it covers reach the log, so a reader that reads the
//! log's length first and the marks after has every mark it needs.

use std::path::{Path, PathBuf};

use crate::engine::Stream;

/// Bytes of one mark.
pub const MARK_BYTES: usize = 8;

/// The largest offset a mark holds (64 PiB).
const MAX_OFFSET: u64 = (1 << 56) - 1;

/// Who wrote the bytes of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Origin {
    /// The program, on one of its streams.
    Program(Stream),
    /// jobdeck: a note such as `--- jobdeck: attempt 2 ---`.
    Jobdeck,
}

impl Origin {
    /// 0 stdout, 1 stderr, 2 jobdeck: for per-origin arrays.
    #[must_use]
    pub fn index(self) -> usize {
        match self {
            Self::Program(stream) => stream.index(),
            Self::Jobdeck => 2,
        }
    }
}

/// What a mark says happens at its offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// The bytes from here on come from this origin.
    From(Origin),
    /// The attempt ended: the program's unfinished lines end here.
    EndOfAttempt,
}

/// A mark's bytes for `offset` (cut to 56 bits, far beyond any log).
#[must_use]
pub fn encode(offset: u64, mark: Mark) -> [u8; MARK_BYTES] {
    let tag: u64 = match mark {
        Mark::From(Origin::Program(Stream::Stdout)) => 0,
        Mark::From(Origin::Program(Stream::Stderr)) => 1,
        Mark::From(Origin::Jobdeck) => 2,
        Mark::EndOfAttempt => 3,
    };
    ((tag << 56) | offset.min(MAX_OFFSET)).to_le_bytes()
}

/// The offset and mark in `bytes`; the mark is `None` for a kind this
/// version does not know (a reader skips it).
#[must_use]
pub fn decode(bytes: [u8; MARK_BYTES]) -> (u64, Option<Mark>) {
    let value = u64::from_le_bytes(bytes);
    let mark = match value >> 56 {
        0 => Some(Mark::From(Origin::Program(Stream::Stdout))),
        1 => Some(Mark::From(Origin::Program(Stream::Stderr))),
        2 => Some(Mark::From(Origin::Jobdeck)),
        3 => Some(Mark::EndOfAttempt),
        _ => None,
    };
    (value & MAX_OFFSET, mark)
}

/// Where the marks of the full log at `log` are: `<log>.streams`.
#[must_use]
pub fn marks_path(log: &Path) -> PathBuf {
    let mut path = log.as_os_str().to_owned();
    path.push(".streams");
    PathBuf::from(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_round_trip() {
        for mark in [
            Mark::From(Origin::Program(Stream::Stdout)),
            Mark::From(Origin::Program(Stream::Stderr)),
            Mark::From(Origin::Jobdeck),
            Mark::EndOfAttempt,
        ] {
            assert_eq!(decode(encode(123_456_789, mark)), (123_456_789, Some(mark)));
        }
        assert_eq!(decode([7, 0, 0, 0, 0, 0, 0, 9]), (7, None));
        assert_eq!(
            marks_path(Path::new("/logs/a.log")),
            PathBuf::from("/logs/a.log.streams")
        );
    }
}
