//! Ctrl-C (and SIGTERM/SIGHUP) for the headless runner: counted, not acted on
//! in the signal handler, so the run loop decides what to do.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

/// How many times the process was asked to stop.
#[derive(Clone)]
pub(crate) struct Interrupts(Arc<AtomicU32>);

impl Interrupts {
    /// Installs the process-wide handler. There can be only one per process.
    pub(crate) fn install() -> Result<Self, ctrlc::Error> {
        let count = Arc::new(AtomicU32::new(0));
        let seen = Arc::clone(&count);
        ctrlc::set_handler(move || {
            seen.fetch_add(1, Ordering::SeqCst);
        })?;
        Ok(Self(count))
    }

    /// Times Ctrl-C was pressed so far.
    pub(crate) fn count(&self) -> u32 {
        self.0.load(Ordering::SeqCst)
    }
}

/// SIGKILLs every process group led by a child of this process, which is
/// how command jobs run their programs (the watchdog that kills them should
/// jobdeck die is left alone: see `jobs/parent_death.rs`). For leaving at
/// once: the engine's stop would wait out each job's grace period.
///
/// Returns how many groups were signalled. Linux only (reads `/proc`); does
/// nothing elsewhere.
pub(crate) fn kill_child_process_groups() -> usize {
    let me = std::process::id();
    let watchdog = crate::jobs::watchdog_pid();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    let mut killed = 0;
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let Some((parent, group_id)) = parent_and_group(&stat) else {
            continue;
        };
        // A group leader among our children: a command job's program.
        if parent == me && group_id == pid && Some(pid) != watchdog {
            let Ok(group) = i32::try_from(group_id) else {
                continue;
            };
            if killpg(Pid::from_raw(group), Signal::SIGKILL).is_ok() {
                killed += 1;
            }
        }
    }
    killed
}

/// The parent pid and process group of a `/proc/<pid>/stat` line. The
/// command name (field 2) may hold spaces and parentheses, so fields are
/// counted from the last `)`.
fn parent_and_group(stat: &str) -> Option<(u32, u32)> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    let _state = fields.next()?;
    let parent = fields.next()?.parse().ok()?;
    let group = fields.next()?.parse().ok()?;
    Some((parent, group))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_parent_and_group_past_odd_command_names() {
        let stat = "4242 (sh (x) y) S 17 4242 17 0 -1 4194560 116 0 0 0";
        assert_eq!(parent_and_group(stat), Some((17, 4242)));
        assert_eq!(parent_and_group("garbage"), None);
    }
}
