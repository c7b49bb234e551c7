//! Following a job's output file as it grows.
//!
//! The file is opened, read from where the last read stopped, and closed at
//! every poll, so a thousand running jobs hold no thousand file descriptors.
//! Each poll reads at most [`READ_PER_POLL`] bytes of one file, so one job
//! printing a flood cannot hold up the others; the final read, after the job
//! ended, takes the rest.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::PathBuf;

use crate::term::Terminal;

/// The most read from one file in one poll.
pub const READ_PER_POLL: u64 = 4 * 1024 * 1024;

/// One output file and how far it has been read.
#[derive(Debug)]
pub struct Follower {
    path: PathBuf,
    offset: u64,
    terminal: Terminal,
}

impl Follower {
    /// Follows `path` from its start. It need not exist yet: a pending job
    /// has no output file.
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            offset: 0,
            terminal: Terminal::new(),
        }
    }

    /// Reads what was added since the last call (up to [`READ_PER_POLL`]),
    /// calling `emit` with each completed line. A file that does not exist
    /// yet has added nothing.
    pub fn poll(&mut self, emit: impl FnMut(String)) -> io::Result<()> {
        self.read(READ_PER_POLL, emit)
    }

    /// Reads everything left and ends the last line, for a job that ended.
    pub fn finish(&mut self, mut emit: impl FnMut(String)) -> io::Result<()> {
        let read = self.read(u64::MAX, &mut emit);
        self.terminal.finish(|line| emit(line.to_line().text));
        read
    }

    fn read(&mut self, limit: u64, mut emit: impl FnMut(String)) -> io::Result<()> {
        let mut file = match File::open(&self.path) {
            Ok(file) => file,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(error) => return Err(error),
        };
        if file.metadata()?.len() <= self.offset {
            return Ok(());
        }
        file.seek(SeekFrom::Start(self.offset))?;
        let mut chunk = file.take(limit);
        let mut buffer = [0_u8; 16 * 1024];
        loop {
            let count = match chunk.read(&mut buffer) {
                Ok(0) => return Ok(()),
                Ok(count) => count,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error),
            };
            self.offset += count as u64;
            self.terminal
                .feed(&buffer[..count], |line| emit(line.to_line().text));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn lines_arrive_as_the_file_grows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let mut follower = Follower::new(path.clone());
        let mut lines = Vec::new();
        follower.poll(|line| lines.push(line)).unwrap();
        assert!(lines.is_empty(), "no file yet");

        let mut file = File::create(&path).unwrap();
        file.write_all(b"one\ntw").unwrap();
        follower.poll(|line| lines.push(line)).unwrap();
        assert_eq!(lines, ["one"]);
        file.write_all(b"o\n\x1b[32m 10%\r 50%\x1b[0m\rthree")
            .unwrap();
        follower.poll(|line| lines.push(line)).unwrap();
        assert_eq!(lines, ["one", "two"], "the redrawn line has not ended");
        follower.finish(|line| lines.push(line)).unwrap();
        assert_eq!(lines, ["one", "two", "three"]);
    }
}
