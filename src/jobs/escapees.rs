//! Processes that left their job's process group (`setsid`, a daemon's
//! double fork) and so escape the signals sent to the group: found, signalled
//! with the group, killed when the job ends, and reaped.
//!
//! jobdeck makes itself a child subreaper (`PR_SET_CHILD_SUBREAPER`, once,
//! before its first command): an orphaned process then becomes jobdeck's
//! child instead of init's, so it can be found, and its exit status comes
//! to jobdeck, which must reap it. The kernel hands orphans to the first
//! live thread of the subreaper, its main thread, whose children are listed
//! in `/proc/<pid>/task/<pid>/children`.
//!
//! A process belongs to the job when it was seen in the job's process tree
//! (the leader's children, theirs, and so on, looked at every
//! [`SCAN_EVERY`] while the job runs), or when it is an orphan whose
//! environment holds the job's `JOBDECK_JOB_ID` (every program of the job
//! inherits it, unless it clears its environment), or when it is a dead
//! orphan in the job's group or in the group of another of its processes.
//! Chosen over a cgroup, which attributes exactly, because a cgroup needs a
//! delegated cgroup v2 hierarchy that an ordinary desktop session or
//! container does not give a program; `/proc` works everywhere. What it
//! misses: a process that clears its environment and is orphaned between
//! two looks (ending its job then takes up to half a second more, looking
//! at it, since an empty environment is also what a program shows in the
//! middle of an exec; orphans older than the job's leader are never its
//! own, so only newer ones are waited for). The job's output reader does
//! not wait for such a process.
//!
//! Only processes known to be the job's are reaped, each by its pid: never
//! `waitpid(-1)`, which would steal the exit status of a program another
//! job (or any other code in jobdeck) waits for. An orphan that is not
//! any job's, say a viewer that a desktop helper spawned and left, stays a
//! zombie until jobdeck exits.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, Once, PoisonError};
use std::time::{Duration, Instant};

use nix::sys::prctl;
use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitPidFlag, waitpid};
use nix::unistd::{Pid, getpgrp, getpid};

use super::procfs::{self, Stat};

/// How often the job's process tree is looked at while it runs.
pub(crate) const SCAN_EVERY: Duration = Duration::from_millis(100);

/// How long ending a job keeps looking at orphans it cannot yet tell are
/// its own (see [`procfs::environment_holds`]): long enough for a program
/// caught in the middle of an exec to finish it, on a loaded machine too.
/// Only orphans that started after the job's leader can be undecided (an
/// older one cannot be the job's), so a long-lived stranger with an empty
/// environment does not hold every job's end.
const UNDECIDED_PATIENCE: Duration = Duration::from_millis(500);

/// How long ending a job's escapees may take before the rest is left to
/// later reaping: SIGKILL is not instant for a process in uninterruptible
/// sleep (`D`), and the job must end all the same.
const KILL_PATIENCE: Duration = Duration::from_secs(2);

/// Makes this process the child subreaper of everything it spawns, once.
/// If the kernel refuses, orphans go to init as usual: they are still
/// found while their parents live, and killed, but not reaped here.
pub(crate) fn become_subreaper() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = prctl::set_child_subreaper(true);
    });
}

/// Orphans of ended jobs that were killed but not yet reaped: still
/// jobdeck's children, so their pids cannot be reused until reaped.
static UNREAPED: Mutex<Vec<Pid>> = Mutex::new(Vec::new());

/// A process of the job: its start time tells it apart from a later
/// process with the same pid; its group is as of the last look.
#[derive(Clone, Copy, Debug)]
struct Seen {
    start_time: u64,
    group: Pid,
}

/// The processes of one job outside its leader, found as described in the
/// module docs.
pub(crate) struct Escapees {
    /// The job's leader, whose pid is also its process group id.
    leader: Pid,
    /// `JOBDECK_JOB_ID=<id>`, as the job's programs have it.
    marker: Vec<u8>,
    me: Pid,
    /// jobdeck's own process group, which programs jobdeck spawns other
    /// than the jobs' (and so other code waits for) are in: never a sign
    /// that a process is the job's.
    own_group: Pid,
    known: HashMap<Pid, Seen>,
    /// Orphans found not to be the job's, so not looked at again.
    foreign: HashSet<(Pid, u64)>,
    /// Whether the last look found an orphan it could not tell about.
    undecided: bool,
    /// When the leader started (clock ticks after boot), if it could be
    /// read: every process of the job started at or after it.
    leader_start: Option<u64>,
    last_scan: Instant,
}

impl Escapees {
    /// Tracks the processes of the job led by `leader`, whose programs have
    /// `marker` (`NAME=value`) in their environment.
    pub(crate) fn new(leader: Pid, marker: String) -> Self {
        Self {
            leader,
            marker: marker.into_bytes(),
            me: getpid(),
            own_group: getpgrp(),
            known: HashMap::new(),
            foreign: HashSet::new(),
            undecided: false,
            leader_start: procfs::stat(leader).map(|stat| stat.start_time),
            // The first look waits a period too: a short job is looked at
            // only when it ends, which finds its orphans all the same.
            last_scan: Instant::now(),
        }
    }

    /// Looks at the job's processes if [`SCAN_EVERY`] has passed.
    pub(crate) fn scan_if_due(&mut self) {
        if self.last_scan.elapsed() >= SCAN_EVERY {
            self.scan();
        }
    }

    /// Sends `signal` to every live process of the job outside its group
    /// (the group itself is signalled as a whole by its owner).
    pub(crate) fn signal(&mut self, signal: Signal) {
        self.scan();
        for (&pid, seen) in &self.known {
            // The group as it is now: a process seen before its `setsid`
            // was in the job's group then.
            Self::signal_one(pid, *seen, signal, |stat| stat.group != self.leader);
        }
    }

    /// Kills every process of the job and reaps those that came to jobdeck,
    /// looking again until two looks in a row find none alive (one look may
    /// miss a child while a sibling exits). Call once the leader has exited
    /// and its group was killed, and before the leader is reaped: once it
    /// is, its pid may name another process, and nothing here looks again.
    pub(crate) fn kill_all(&mut self) {
        let started = Instant::now();
        let mut pause = Duration::from_micros(50);
        let mut clean_looks = 0;
        while clean_looks < 2 {
            self.scan();
            let mut alive = false;
            for (&pid, seen) in &self.known {
                alive |= Self::signal_one(pid, *seen, Signal::SIGKILL, |_| true);
            }
            // An orphan that cannot be told about yet is looked at again
            // for a moment, as if it were alive.
            let look_again = alive || (self.undecided && started.elapsed() < UNDECIDED_PATIENCE);
            clean_looks = if look_again { 0 } else { clean_looks + 1 };
            if started.elapsed() >= KILL_PATIENCE {
                self.scan();
                break;
            }
            if look_again {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(10));
            }
        }
        self.leave_unreaped();
    }

    /// Sends `signal` to `pid` if it is still the process first seen, is
    /// alive, and its stat passes `wanted`; returns whether it was alive.
    fn signal_one(pid: Pid, seen: Seen, signal: Signal, wanted: impl Fn(Stat) -> bool) -> bool {
        match procfs::stat(pid) {
            Some(stat) if stat.start_time == seen.start_time && !stat.is_zombie() => {
                if wanted(stat) {
                    // ESRCH: it died since; EPERM: it changed credentials,
                    // and nothing here can end it.
                    let _ = kill(pid, signal);
                }
                true
            }
            _ => false,
        }
    }

    /// Finds new processes of the job, forgets ended ones and reaps those
    /// that are jobdeck's.
    fn scan(&mut self) {
        self.last_scan = Instant::now();
        reap_leftovers();
        // Forgotten first, so that no pid reused by another process since
        // is visited below.
        self.forget_ended();
        self.adopt_orphans();
        // Then down the tree, from the leader and every process known.
        let mut to_visit: Vec<Pid> = Vec::with_capacity(self.known.len() + 1);
        to_visit.push(self.leader);
        to_visit.extend(self.known.keys());
        while let Some(pid) = to_visit.pop() {
            for child in procfs::children(pid) {
                if child != self.leader
                    && !self.known.contains_key(&child)
                    && let Some(stat) = procfs::stat(child)
                {
                    self.adopt(child, stat);
                    to_visit.push(child);
                }
            }
        }
        self.reap_zombies();
    }

    /// Adopts the orphans that came to jobdeck and are this job's.
    fn adopt_orphans(&mut self) {
        self.undecided = false;
        for orphan in procfs::thread_children(self.me, self.me) {
            if orphan == self.leader || self.known.contains_key(&orphan) {
                continue;
            }
            let Some(stat) = procfs::stat(orphan) else {
                continue;
            };
            if self.foreign.contains(&(orphan, stat.start_time)) {
                continue;
            }
            match self.is_ours(orphan, stat) {
                Some(true) => self.adopt(orphan, stat),
                // A dead orphan that is not the job's may be another job's,
                // whose own look comes: it is not remembered as foreign.
                Some(false) if !stat.is_zombie() => {
                    self.foreign.insert((orphan, stat.start_time));
                }
                Some(false) => {}
                None => self.undecided = true,
            }
        }
    }

    /// Whether an orphan that came to jobdeck is this job's; `None` when
    /// that cannot be told yet.
    fn is_ours(&self, orphan: Pid, stat: Stat) -> Option<bool> {
        if stat.is_zombie() {
            // Its environment is gone; its group is still told.
            Some(
                stat.group != self.own_group
                    && (stat.group == self.leader
                        || self.known.values().any(|seen| seen.group == stat.group)),
            )
        } else if self
            .leader_start
            .is_some_and(|leader| stat.start_time < leader)
        {
            Some(false)
        } else {
            procfs::environment_holds(orphan, &self.marker)
        }
    }

    fn adopt(&mut self, pid: Pid, stat: Stat) {
        self.known.insert(
            pid,
            Seen {
                start_time: stat.start_time,
                group: stat.group,
            },
        );
    }

    /// Drops processes that are gone, or whose pid now names another, and
    /// notes the groups of the others as they are now.
    fn forget_ended(&mut self) {
        self.known.retain(|&pid, seen| match procfs::stat(pid) {
            Some(stat) if stat.start_time == seen.start_time => {
                seen.group = stat.group;
                true
            }
            _ => false,
        });
    }

    /// Reaps the job's dead processes that are jobdeck's children.
    fn reap_zombies(&mut self) {
        let me = self.me;
        self.known.retain(|&pid, seen| match procfs::stat(pid) {
            Some(stat) if stat.start_time == seen.start_time => {
                !(stat.is_zombie() && stat.parent == me && reap(pid))
            }
            _ => false,
        });
    }

    /// Hands processes of the job that are jobdeck's children and were not
    /// reaped in time to [`reap_leftovers`]; forgets the others, whose own
    /// parents reap them.
    fn leave_unreaped(&mut self) {
        let mut leftovers = UNREAPED.lock().unwrap_or_else(PoisonError::into_inner);
        for (pid, seen) in self.known.drain() {
            if procfs::stat(pid)
                .is_some_and(|stat| stat.start_time == seen.start_time && stat.parent == self.me)
            {
                leftovers.push(pid);
            }
        }
    }
}

/// Reaps `pid` if it has exited; returns whether it did (or is gone).
fn reap(pid: Pid) -> bool {
    !matches!(
        waitpid(pid, Some(WaitPidFlag::WNOHANG)),
        Ok(nix::sys::wait::WaitStatus::StillAlive)
    )
}

/// Reaps the orphans that earlier jobs killed but could not wait for.
fn reap_leftovers() {
    let mut leftovers = UNREAPED.lock().unwrap_or_else(PoisonError::into_inner);
    leftovers.retain(|&pid| !reap(pid));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zombie_in(group: Pid) -> Stat {
        Stat {
            state: b'Z',
            parent: getpid(),
            group,
            start_time: 1,
        }
    }

    #[test]
    fn a_dead_orphan_is_the_jobs_by_its_group_never_by_jobdecks_own() {
        let leader = Pid::from_raw(4242);
        let mut escapees = Escapees::new(leader, "JOBDECK_JOB_ID=x".into());
        let orphan = Pid::from_raw(4343);
        assert_eq!(escapees.is_ours(orphan, zombie_in(leader)), Some(true));
        assert_eq!(
            escapees.is_ours(orphan, zombie_in(Pid::from_raw(5000))),
            Some(false)
        );
        // A process of the job that left for a group of its own vouches for
        // that group's dead.
        escapees.adopt(Pid::from_raw(5000), zombie_in(Pid::from_raw(5000)));
        assert_eq!(
            escapees.is_ours(orphan, zombie_in(Pid::from_raw(5000))),
            Some(true)
        );
        // jobdeck's own group holds programs other code spawned and waits
        // for: never the job's, even if a process of the job joined it.
        escapees.adopt(Pid::from_raw(5001), zombie_in(getpgrp()));
        assert_eq!(escapees.is_ours(orphan, zombie_in(getpgrp())), Some(false));
    }

    #[test]
    fn a_live_orphan_is_the_jobs_by_its_environment() {
        // This process stands in for the orphan: an entry of its own
        // environment is the marker.
        let me = getpid();
        let running = procfs::stat(me).unwrap();
        let environment = std::fs::read("/proc/self/environ").unwrap();
        let entry = environment.split(|&byte| byte == 0).next().unwrap();
        let marker = String::from_utf8(entry.to_vec()).unwrap();
        let leader = Pid::from_raw(4242);
        assert_eq!(
            Escapees::new(leader, marker).is_ours(me, running),
            Some(true)
        );
        let other = Escapees::new(leader, "JOBDECK_JOB_ID=another-job".into());
        assert_eq!(other.is_ours(me, running), Some(false));
    }
}
