//! A command's programs die with jobdeck, even when jobdeck is killed with
//! SIGKILL and so cleans nothing up.
//!
//! How: one watchdog process per jobdeck process, started with the first
//! program, in a process group of its own (so a Ctrl-C at the terminal does
//! not reach it). It reads a pipe whose writing end only jobdeck holds:
//! each program's process group is registered on it as the program starts
//! (`+PGID`) and unregistered once the job has killed what was left of it,
//! before its leader is reaped (`-PGID`), so a registered group id is never
//! one the kernel could have given to someone else. However jobdeck dies,
//! the kernel closes its end of the pipe; the watchdog then reads the end of
//! its input and SIGKILLs every group still registered: the whole group,
//! the program's own children included. The watchdog is `sh`, running
//! [`WATCHDOG_SCRIPT`].
//!
//! Why not `PR_SET_PDEATHSIG` in each program, as before: it has to be set
//! between fork and exec (`pre_exec`), which makes std fork instead of
//! `posix_spawn`, and fork copies jobdeck's page tables. `benches/spawn.rs`
//! measured 1.4 ms a spawn forking (against 1.1 ms with `posix_spawn`) at
//! the command line's few MB, and 42 ms at 256 MB more, the size of a
//! window holding a big batch; `benches/batch_1000.sh` took 1,396 ms for
//! 1,000 short commands, as long as `xargs`, against 796 ms with
//! `posix_spawn`. Spawning through `setpriv --pdeathsig KILL --` keeps
//! `posix_spawn` but costs an exec per program: 1,729 ms. The watchdog
//! costs a write per program, and reaches the whole group where the death
//! signal reached the leader alone.
//!
//! When the watchdog cannot be started (no `sh`) or has died (someone
//! killed it: a write fails), programs are spawned with `PR_SET_PDEATHSIG`
//! as before ([`die_with_spawner`]), at fork's price: the program alone gets
//! SIGKILL when the thread that spawned it exits. Pool workers spawn
//! programs inside `CommandJob::run`, which returns only once the program
//! has been killed and reaped, and a worker thread exits only between jobs,
//! so no worker exits while its program lives.
//!
//! What neither covers: a program started in the microseconds between its
//! spawn and its registration when jobdeck dies right then; processes that
//! left the group (`setsid`; jobdeck kills those itself while it lives,
//! see `escapees.rs`); and, with the death signal, a program that execs a
//! set-user-ID binary (which clears it).

use std::io::{self, PipeWriter, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, PoisonError};

use nix::errno::Errno;
use nix::sys::prctl;
use nix::sys::signal::Signal;
use nix::unistd::{Pid, getpid, getppid};

/// The watchdog: registers and unregisters groups from its input, and at
/// the end of its input kills the groups still registered. The list is a
/// string of ` PGID ` entries, edited with parameter expansion (no process
/// is started for it).
pub(crate) const WATCHDOG_SCRIPT: &str = r#"groups=' '
while IFS= read -r line; do
  case $line in
    +*) groups="$groups${line#+} " ;;
    -*) pgid=${line#-}
        case $groups in
          *" $pgid "*) groups="${groups%% $pgid *} ${groups#* $pgid }" ;;
        esac ;;
  esac
done
for pgid in $groups; do kill -KILL "-$pgid" 2>/dev/null; done"#;

/// How a program is kept from outliving jobdeck.
pub(crate) enum DeathGuard {
    /// Its group is registered with the watchdog; unregister it with
    /// [`DeathGuard::release`] once the group is dead and before its leader
    /// is reaped.
    Watchdog(Pid),
    /// It was spawned with `PR_SET_PDEATHSIG` (or could not be guarded at
    /// all: see [`guard`]).
    DeathSignal,
}

/// A running watchdog: the writing end of its input, and the process.
struct Watchdog {
    input: PipeWriter,
    child: Child,
}

/// The watchdog of this process.
enum Slot {
    /// No program has been spawned yet.
    NotStarted,
    Running(Watchdog),
    /// It could not start, or died: programs get the death signal.
    Gone,
}

static WATCHDOG: Mutex<Slot> = Mutex::new(Slot::NotStarted);

impl Watchdog {
    /// Starts `sh` running [`WATCHDOG_SCRIPT`] in a process group of its
    /// own, reading a new pipe.
    fn start() -> Option<Self> {
        let (reader, input) = io::pipe().ok()?;
        let child = Command::new("sh")
            .arg("-c")
            .arg(WATCHDOG_SCRIPT)
            .process_group(0)
            .stdin(reader)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        Some(Self { input, child })
    }

    /// Whether it still runs; reaps it when not (it is jobdeck's child).
    fn is_alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Writes `line` in one write (shorter than `PIPE_BUF`, so lines of
    /// several threads never mix). Returns whether it was written.
    fn send(&mut self, line: &str) -> bool {
        self.input.write_all(line.as_bytes()).is_ok()
    }
}

/// The watchdog's pid while it runs: it leads a process group of its own
/// among jobdeck's children, but runs no job.
pub(crate) fn watchdog_pid() -> Option<u32> {
    match &*WATCHDOG.lock().unwrap_or_else(PoisonError::into_inner) {
        Slot::Running(watchdog) => Some(watchdog.child.id()),
        Slot::NotStarted | Slot::Gone => None,
    }
}

/// Readies `command` to die with jobdeck: nothing to do while the watchdog
/// runs (starting it on the first call), else `PR_SET_PDEATHSIG` through
/// `pre_exec`. Returns whether the watchdog is to be used, for [`guard`].
pub(crate) fn prepare(command: &mut Command) -> bool {
    let mut slot = WATCHDOG.lock().unwrap_or_else(PoisonError::into_inner);
    if let Slot::NotStarted = *slot {
        *slot = Watchdog::start().map_or(Slot::Gone, Slot::Running);
    }
    let running = match &mut *slot {
        // Killed by someone: never used again.
        Slot::Running(watchdog) => watchdog.is_alive(),
        Slot::NotStarted | Slot::Gone => false,
    };
    if !running {
        *slot = Slot::Gone;
        die_with_spawner(command);
    }
    running
}

/// Registers the group `pgid` of a program spawned after [`prepare`]
/// returned `true`. Should the watchdog have died in the microseconds
/// between, the program runs unguarded (jobdeck still kills it when it ends
/// the job, and while it lives), and later programs get the death signal.
pub(crate) fn guard(pgid: Pid) -> DeathGuard {
    if send(&format!("+{pgid}\n")) {
        DeathGuard::Watchdog(pgid)
    } else {
        DeathGuard::DeathSignal
    }
}

impl DeathGuard {
    /// Forgets the group: it is dead (killed), and its leader is about to be
    /// reaped, after which its id may be given to another group.
    pub(crate) fn release(&mut self) {
        if let Self::Watchdog(pgid) = *self {
            send(&format!("-{pgid}\n"));
            *self = Self::DeathSignal;
        }
    }
}

/// Writes `line` to the watchdog. Returns whether it was written; a failed
/// write means the watchdog is gone, for good.
fn send(line: &str) -> bool {
    let mut slot = WATCHDOG.lock().unwrap_or_else(PoisonError::into_inner);
    let Slot::Running(watchdog) = &mut *slot else {
        return false;
    };
    if watchdog.send(line) {
        return true;
    }
    *slot = Slot::Gone;
    false
}

/// Has the program `command` starts killed with SIGKILL when the spawning
/// thread exits, and not started at all if jobdeck is already gone by the
/// time it would (the signal is only armed from the call on, so a parent
/// that died just before would otherwise leave it running).
#[allow(unsafe_code)]
pub(crate) fn die_with_spawner(command: &mut Command) {
    let spawner = getpid();
    // SAFETY: `pre_exec` runs the closure in the child between fork and
    // exec, where only async-signal-safe work is allowed, since another
    // thread may have held a lock (the allocator's, say) at the fork. The
    // closure makes two system calls, prctl and getppid, through nix's thin
    // wrappers, and builds its error from an errno (`io::Error` from a raw
    // OS error does not allocate). It touches no lock and no memory shared
    // with the parent.
    unsafe {
        command.pre_exec(move || {
            prctl::set_pdeathsig(Signal::SIGKILL)?;
            if getppid() == spawner {
                Ok(())
            } else {
                // Reparented already: jobdeck died before the signal was
                // armed. Failing here ends the child before the exec.
                Err(io::Error::from(Errno::ESRCH))
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::time::{Duration, Instant};

    fn alive(pid: u32) -> bool {
        // A zombie has no `cmdline`: it is dead for this purpose.
        std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|cmdline| !cmdline.is_empty())
    }

    fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !done() {
            assert!(Instant::now() < deadline, "waited too long for {what}");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// A program in a group of its own, and a second process in that group.
    fn group_of_two() -> (Child, u32) {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg("sleep 300 & echo $!; exec sleep 300")
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        io::BufRead::read_line(
            &mut io::BufReader::new(child.stdout.take().unwrap()),
            &mut line,
        )
        .unwrap();
        (child, line.trim().parse().unwrap())
    }

    /// A watchdog that was killed is seen to be gone before a program is
    /// spawned, and takes no more lines.
    #[test]
    fn a_killed_watchdog_is_seen_to_be_gone() {
        let mut watchdog = Watchdog::start().expect("sh runs");
        assert!(watchdog.is_alive());
        assert!(watchdog.send("+999999\n"));
        watchdog.child.kill().unwrap();
        wait_until("the watchdog to be seen gone", || !watchdog.is_alive());
        assert!(!watchdog.send("-999999\n"), "its input is closed");
    }

    /// The script itself, on a pipe of the test's: registered groups die
    /// whole at the end of its input, unregistered ones live on.
    #[test]
    fn the_watchdog_kills_the_groups_still_registered_when_its_input_ends() {
        let (reader, mut input) = io::pipe().unwrap();
        let mut watchdog = Command::new("sh")
            .arg("-c")
            .arg(WATCHDOG_SCRIPT)
            .stdin(reader)
            .spawn()
            .unwrap();
        let (mut kept, kept_member) = group_of_two();
        let (mut released, released_member) = group_of_two();
        let (mut other, other_member) = group_of_two();
        write!(
            input,
            "+{}\n+{}\n+{}\n-{}\n",
            kept.id(),
            released.id(),
            other.id(),
            released.id()
        )
        .unwrap();
        drop(input);
        watchdog.wait().unwrap();
        for (child, member) in [(&mut kept, kept_member), (&mut other, other_member)] {
            wait_until("a registered group to die", || {
                matches!(child.try_wait(), Ok(Some(_))) && !alive(member)
            });
        }
        assert!(alive(released.id()), "an unregistered group lives on");
        assert!(alive(released_member));
        let group = Pid::from_raw(i32::try_from(released.id()).unwrap());
        nix::sys::signal::killpg(group, Signal::SIGKILL).unwrap();
        released.wait().unwrap();
    }
}
