//! `--keep-order`: each job's output comes out in the order the jobs were
//! submitted, like GNU parallel's `--keep-order`.
//!
//! The earliest job that has not ended has the turn: what it writes goes
//! out at once. What later jobs write is held back until every job before
//! them has ended; then a job's held output goes out whole, and if that job
//! has ended too, the next one's, and so on, until a job that still runs
//! takes the turn.
//!
//! Held output is bounded in memory by [`MEMORY_BYTES`]: past that, all of
//! it moves to an unnamed temporary file (gone when jobdeck exits), and is
//! read back from there when its turn comes. A job that prints gigabytes
//! while an earlier one runs costs disk, as with GNU parallel, not memory.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Write};
use std::os::unix::fs::FileExt;

/// Held output kept in memory, all jobs together, before it moves to the
/// spill file (16 MiB).
pub(crate) const MEMORY_BYTES: usize = 16 << 20;

/// Bytes read back from the spill file at once.
const READ_BACK_BYTES: usize = 64 << 10;

/// Output of later jobs, held back until their turn; see the module docs.
pub(crate) struct InOrder {
    /// The sequence number of the job whose output goes out at once;
    /// `None` before the first job is submitted.
    turn: Option<u64>,
    /// Jobs after the turn that wrote something or ended, by sequence
    /// number.
    held: BTreeMap<u64, Held>,
    /// Bytes held in memory, all jobs together.
    memory_bytes: usize,
    memory_limit: usize,
    spill: Option<Spill>,
}

/// What one later job wrote so far.
#[derive(Default)]
struct Held {
    /// Older output, in the spill file: (offset, length) pieces in order.
    spilled: Vec<(u64, usize)>,
    /// Newer output.
    memory: Vec<u8>,
    ended: bool,
}

/// The temporary file held output moves to, and where it ends.
struct Spill {
    file: File,
    end: u64,
}

impl InOrder {
    /// Holds output back as described in the module docs.
    pub(crate) fn new() -> Self {
        Self::with_memory_limit(MEMORY_BYTES)
    }

    fn with_memory_limit(memory_limit: usize) -> Self {
        Self {
            turn: None,
            held: BTreeMap::new(),
            memory_bytes: 0,
            memory_limit,
            spill: None,
        }
    }

    /// A job was submitted with sequence number `seq`; the first one has
    /// the turn.
    pub(crate) fn submitted(&mut self, seq: u64) {
        self.turn.get_or_insert(seq);
    }

    /// Job `seq` wrote `bytes`: out at once when it has the turn, held back
    /// otherwise.
    pub(crate) fn write(&mut self, seq: u64, bytes: &[u8], out: &mut impl Write) -> io::Result<()> {
        if self.turn.is_none_or(|turn| seq <= turn) {
            return out.write_all(bytes);
        }
        self.held
            .entry(seq)
            .or_default()
            .memory
            .extend_from_slice(bytes);
        self.memory_bytes += bytes.len();
        if self.memory_bytes > self.memory_limit {
            self.spill_all()?;
        }
        Ok(())
    }

    /// Job `seq` ended: when it had the turn, the output held for the jobs
    /// after it goes out, up to the first that still runs.
    pub(crate) fn end(&mut self, seq: u64, out: &mut impl Write) -> io::Result<()> {
        match self.turn {
            Some(turn) if seq == turn => self.pass_turn(out),
            Some(turn) if seq > turn => {
                self.held.entry(seq).or_default().ended = true;
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Gives the turn to the next job, writing out what it held; on to the
    /// next while that one has ended too.
    fn pass_turn(&mut self, out: &mut impl Write) -> io::Result<()> {
        while let Some(turn) = self.turn.as_mut() {
            *turn += 1;
            let Some(held) = self.held.remove(turn) else {
                return Ok(());
            };
            self.memory_bytes -= held.memory.len();
            if let Some(spill) = &self.spill {
                for &(offset, length) in &held.spilled {
                    spill.copy_out(offset, length, out)?;
                }
            }
            out.write_all(&held.memory)?;
            if !held.ended {
                return Ok(());
            }
        }
        Ok(())
    }

    /// Moves every held byte in memory to the spill file.
    fn spill_all(&mut self) -> io::Result<()> {
        let spill = match &mut self.spill {
            Some(spill) => spill,
            None => self.spill.insert(Spill {
                file: tempfile::tempfile()?,
                end: 0,
            }),
        };
        for held in self.held.values_mut() {
            if held.memory.is_empty() {
                continue;
            }
            spill.file.write_all_at(&held.memory, spill.end)?;
            held.spilled.push((spill.end, held.memory.len()));
            spill.end += held.memory.len() as u64;
            held.memory = Vec::new();
        }
        self.memory_bytes = 0;
        Ok(())
    }
}

impl Spill {
    /// Writes `length` bytes from `offset` of the file to `out`.
    fn copy_out(&self, offset: u64, length: usize, out: &mut impl Write) -> io::Result<()> {
        let mut buffer = vec![0_u8; length.min(READ_BACK_BYTES)];
        let mut done = 0;
        while done < length {
            let piece = (length - done).min(buffer.len());
            self.file
                .read_exact_at(&mut buffer[..piece], offset + done as u64)?;
            out.write_all(&buffer[..piece])?;
            done += piece;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Replays `steps` (`(seq, Some(text))` writes, `(seq, None)` ends) for
    /// jobs 0..n, and returns what came out.
    fn replay(order: &mut InOrder, jobs: u64, steps: &[(u64, Option<&str>)]) -> String {
        for seq in 0..jobs {
            order.submitted(seq);
        }
        let mut out = Vec::new();
        for (seq, step) in steps {
            match step {
                Some(text) => order.write(*seq, text.as_bytes(), &mut out).unwrap(),
                None => order.end(*seq, &mut out).unwrap(),
            }
        }
        String::from_utf8(out).unwrap()
    }

    const STEPS: [(u64, Option<&str>); 10] = [
        (1, Some("b1 ")),
        (0, Some("a1 ")),
        (2, Some("c1 ")),
        (2, None),
        (1, Some("b2 ")),
        (0, Some("a2 ")),
        (3, Some("d1 ")),
        (0, None),
        (1, None),
        (3, None),
    ];

    #[test]
    fn output_comes_out_in_submission_order() {
        let out = replay(&mut InOrder::new(), 4, &STEPS);
        assert_eq!(out, "a1 a2 b1 b2 c1 d1 ");
    }

    #[test]
    fn the_job_with_the_turn_is_not_held_back() {
        let mut order = InOrder::new();
        let out = replay(&mut order, 2, &[(0, Some("a1 ")), (1, Some("b1 "))]);
        assert_eq!(out, "a1 ", "job 0's output at once, job 1's held");
        let mut out = Vec::new();
        order.end(0, &mut out).unwrap();
        order.write(1, b"b2 ", &mut out).unwrap();
        assert_eq!(out, b"b1 b2 ", "job 1's held output, then live");
    }

    #[test]
    fn held_output_past_the_memory_limit_moves_to_disk_and_comes_back_whole() {
        let mut order = InOrder::with_memory_limit(4);
        let out = replay(&mut order, 4, &STEPS);
        assert_eq!(out, "a1 a2 b1 b2 c1 d1 ");
        assert!(order.spill.is_some(), "the limit was passed");
        assert_eq!(order.memory_bytes, 0);
        assert!(order.held.is_empty());
    }

    #[test]
    fn large_held_output_is_read_back_in_pieces() {
        let mut order = InOrder::with_memory_limit(1000);
        order.submitted(0);
        order.submitted(1);
        let big = "x".repeat(READ_BACK_BYTES * 2 + 17);
        let mut out = Vec::new();
        order.write(1, big.as_bytes(), &mut out).unwrap();
        order.write(1, b"tail", &mut out).unwrap();
        assert!(out.is_empty());
        order.end(0, &mut out).unwrap();
        assert_eq!(out.len(), big.len() + 4);
        assert!(out.ends_with(b"xtail"));
    }
}
