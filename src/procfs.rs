//! What Linux's `/proc` says about a process: its parent, its group and when
//! it started. A pid alone names a process only while it lives: once it is
//! gone the number is handed out again, so whoever keeps a pid for later
//! (the history, to find a job's processes after a crash) keeps its start
//! time too and compares both.
//!
//! Everything here reads `/proc` and answers `None` (or nothing) where it
//! cannot: on other systems, for a process that is gone, or for one we may
//! not look at.

use std::fs;

/// A few fields of `/proc/PID/stat`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProcStat {
    /// The one-letter state (`R`, `S`, `Z` for a zombie, ...).
    pub state: char,
    /// The parent's pid.
    pub parent: u32,
    /// The process group.
    pub group: u32,
    /// When it started, in clock ticks after boot.
    pub start_ticks: u64,
}

impl ProcStat {
    /// Whether it has exited (a zombie waiting for its parent, or dying).
    #[must_use]
    pub fn is_dead(&self) -> bool {
        matches!(self.state, 'Z' | 'X' | 'x')
    }
}

/// Reads `/proc/PID/stat`; `None` when there is no such process (or no
/// `/proc`).
#[must_use]
pub fn stat(pid: u32) -> Option<ProcStat> {
    parse_stat(&fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// When `pid` started, in clock ticks after boot.
#[must_use]
pub fn start_ticks(pid: u32) -> Option<u64> {
    stat(pid).map(|stat| stat.start_ticks)
}

/// Whether `pid` is a live process (not a zombie) that started at
/// `start_ticks`: the same process, not a later one with its pid.
#[must_use]
pub fn is_alive_since(pid: u32, start_ticks: u64) -> bool {
    stat(pid).is_some_and(|stat| !stat.is_dead() && stat.start_ticks == start_ticks)
}

/// The live processes (zombies left out) whose process group is `group`.
#[must_use]
pub fn group_members(group: u32) -> Vec<u32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| stat(pid).is_some_and(|stat| stat.group == group && !stat.is_dead()))
        .collect()
}

/// The value of `key` in `pid`'s environment, if it is set there.
#[must_use]
pub fn environment_value(pid: u32, key: &str) -> Option<String> {
    let environ = fs::read(format!("/proc/{pid}/environ")).ok()?;
    environ.split(|&byte| byte == 0).find_map(|item| {
        let value = item.strip_prefix(key.as_bytes())?.strip_prefix(b"=")?;
        String::from_utf8(value.to_vec()).ok()
    })
}

/// Every live process (zombies left out) we may look at, with its stat.
#[must_use]
pub fn processes() -> Vec<(u32, ProcStat)> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| Some((pid, stat(pid)?)))
        .filter(|(_, stat)| !stat.is_dead())
        .collect()
}

/// Whether `pid`'s environment holds `entry` (`KEY=value`) exactly.
#[must_use]
pub fn environment_has(pid: u32, entry: &str) -> bool {
    fs::read(format!("/proc/{pid}/environ")).is_ok_and(|environ| {
        environ
            .split(|&byte| byte == 0)
            .any(|item| item == entry.as_bytes())
    })
}

/// The fields of a `/proc/PID/stat` line. The command name (field 2) may
/// hold spaces and parentheses, so fields are counted from the last `)`.
fn parse_stat(line: &str) -> Option<ProcStat> {
    let rest = &line[line.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let parent = fields.next()?.parse().ok()?;
    let group = fields.next()?.parse().ok()?;
    // Fields 6 to 21 come before the start time (field 22).
    let start_ticks = fields.nth(16)?.parse().ok()?;
    Some(ProcStat {
        state,
        parent,
        group,
        start_ticks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_fields_past_odd_command_names() {
        let line =
            "4242 (sh (x) y) S 17 4242 17 0 -1 4194560 116 0 0 0 1 2 0 0 20 0 1 0 98765 1000 200";
        assert_eq!(
            parse_stat(line),
            Some(ProcStat {
                state: 'S',
                parent: 17,
                group: 4242,
                start_ticks: 98765,
            })
        );
        assert_eq!(parse_stat("garbage"), None);
        assert_eq!(parse_stat("1 (x) S 1 2"), None);
    }

    #[test]
    fn this_process_is_alive_since_its_own_start_and_not_since_another() {
        let me = std::process::id();
        let started = start_ticks(me).expect("our own /proc entry");
        assert!(is_alive_since(me, started));
        assert!(!is_alive_since(me, started + 1));
    }

    #[test]
    fn a_child_in_its_own_group_is_found_with_its_environment() {
        use std::os::unix::process::CommandExt;
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .env("JOBDECK_PROCFS_TEST", "mark")
            .process_group(0)
            .spawn()
            .expect("sleep starts");
        let pid = child.id();
        assert_eq!(group_members(pid), vec![pid]);
        assert!(environment_has(pid, "JOBDECK_PROCFS_TEST=mark"));
        assert_eq!(
            environment_value(pid, "JOBDECK_PROCFS_TEST").as_deref(),
            Some("mark")
        );
        assert!(
            processes()
                .iter()
                .any(|(p, stat)| *p == pid && stat.group == pid)
        );
        assert!(!environment_has(pid, "JOBDECK_PROCFS_TEST=other"));
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(group_members(pid).is_empty());
        assert_eq!(stat(pid), None);
    }
}
