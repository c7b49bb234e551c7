//! The little of Linux's `/proc` that finding a job's processes takes: a
//! process's state, parent, group and start time; its children; whether
//! its environment holds a given variable.
//!
//! Read by hand rather than through a crate: three files, whose formats
//! proc(5) fixes, and one parse (the `stat` line, whose command name may
//! hold spaces and parentheses, so fields are counted from the last `)`).

use std::fs;
use std::io::Read;

use nix::unistd::Pid;

/// What `/proc/<pid>/stat` says of a process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stat {
    /// `R`, `S`, `D`, `T`, `Z`...
    pub(crate) state: u8,
    /// The parent's process id.
    pub(crate) parent: Pid,
    /// The process group id.
    pub(crate) group: Pid,
    /// When it started, in clock ticks since boot: with the pid, it tells
    /// a process apart from a later one that reuses its pid.
    pub(crate) start_time: u64,
}

impl Stat {
    /// Whether the process has ended and waits to be reaped.
    pub(crate) fn is_zombie(self) -> bool {
        matches!(self.state, b'Z' | b'X')
    }
}

/// The stat of `pid`, or `None` when there is no such process.
pub(crate) fn stat(pid: Pid) -> Option<Stat> {
    parse_stat(&fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

fn parse_stat(line: &str) -> Option<Stat> {
    let rest = &line[line.rfind(')')? + 1..];
    // Fields from 3 on: state, ppid, pgrp, session, tty_nr, tpgid, flags,
    // minflt, cminflt, majflt, cmajflt, utime, stime, cutime, cstime,
    // priority, nice, num_threads, itrealvalue, starttime.
    let fields: Vec<&str> = rest.split_whitespace().take(20).collect();
    let number = |index: usize| fields.get(index)?.parse::<i32>().ok();
    Some(Stat {
        state: *fields.first()?.as_bytes().first()?,
        parent: Pid::from_raw(number(1)?),
        group: Pid::from_raw(number(2)?),
        start_time: fields.get(19)?.parse().ok()?,
    })
}

/// The children of every thread of `pid`. Empty for a process that is gone.
///
/// The kernel lists a thread's children in `/proc/<pid>/task/<tid>/children`
/// (Linux 3.5 and later, `CONFIG_PROC_CHILDREN`), which may miss a child
/// while a sibling is exiting: callers look again rather than trust one
/// reading.
pub(crate) fn children(pid: Pid) -> Vec<Pid> {
    let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for task in tasks.flatten() {
        if let Ok(text) = fs::read_to_string(task.path().join("children")) {
            found.extend(parse_pids(&text));
        }
    }
    found
}

/// The children of thread `tid` of `pid` alone.
pub(crate) fn thread_children(pid: Pid, tid: Pid) -> Vec<Pid> {
    fs::read_to_string(format!("/proc/{pid}/task/{tid}/children"))
        .map(|text| parse_pids(&text).collect())
        .unwrap_or_default()
}

fn parse_pids(text: &str) -> impl Iterator<Item = Pid> + '_ {
    text.split_whitespace()
        .filter_map(|pid| pid.parse().ok())
        .map(Pid::from_raw)
}

/// Whether the environment `pid` was started with holds `entry` (a whole
/// `NAME=value`). `None` when that cannot be told: the environment cannot
/// be read (the process is gone, a zombie, or not ours) or is empty, as it
/// is for a moment while a process execs a new program (and for good in a
/// process started with an empty environment).
pub(crate) fn environment_holds(pid: Pid, entry: &[u8]) -> Option<bool> {
    let mut text = Vec::new();
    fs::File::open(format!("/proc/{pid}/environ"))
        .and_then(|mut file| file.read_to_end(&mut text))
        .ok()?;
    if text.is_empty() {
        return None;
    }
    Some(text.split(|&byte| byte == 0).any(|item| item == entry))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_stat_past_odd_command_names() {
        let line = "4242 (sh (x) y) S 17 4242 17 0 -1 4194560 116 0 0 0 1 2 0 0 20 0 1 0 987654 0";
        assert_eq!(
            parse_stat(line),
            Some(Stat {
                state: b'S',
                parent: Pid::from_raw(17),
                group: Pid::from_raw(4242),
                start_time: 987_654,
            })
        );
        assert_eq!(parse_stat("garbage"), None);
        assert_eq!(parse_stat("1 (short) S 0 1"), None);
    }

    #[test]
    fn reads_this_process() {
        let me = nix::unistd::getpid();
        let stat = stat(me).expect("our own stat");
        assert_eq!(stat.parent, nix::unistd::getppid());
        assert!(!stat.is_zombie());
        let environment = fs::read("/proc/self/environ").unwrap();
        if let Some(entry) = environment.split(|&byte| byte == 0).next()
            && !entry.is_empty()
        {
            assert_eq!(environment_holds(me, entry), Some(true));
            assert_eq!(
                environment_holds(me, b"JOBDECK_NO_SUCH_VARIABLE=1"),
                Some(false)
            );
        }
        assert_eq!(environment_holds(Pid::from_raw(i32::MAX), b"A=1"), None);
    }
}
