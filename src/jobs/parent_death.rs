//! A command's program dies with jobdeck, even when jobdeck is killed with
//! SIGKILL and so cleans nothing up: the kernel sends the program SIGKILL
//! when its parent goes (`PR_SET_PDEATHSIG`).
//!
//! The parent, for this signal, is the *thread* that spawned the program,
//! not the process: the signal fires when that thread exits, even while
//! jobdeck lives on. Programs are spawned only by the pool worker running
//! the job, inside `CommandJob::run`, which returns only once the program
//! has been killed and reaped (the `ProcessGroup` guard does that on every
//! path out, unwinding from a panic included). A worker thread exits only
//! between jobs (when the pool shrinks or shuts down), so no worker exits
//! while its program lives. Never spawn a program from a short-lived thread.
//!
//! What it does not cover: the signal reaches the program alone, not its
//! own children. A shell's children (`sh -c 'a; b'`) lose their parent too,
//! but get no signal; they are left to whoever recovers after jobdeck (its
//! next start can kill the process groups it recorded). It is also cleared
//! when the program execs a set-user-ID or set-group-ID binary.

use std::io;
use std::os::unix::process::CommandExt;
use std::process::Command;

use nix::errno::Errno;
use nix::sys::prctl;
use nix::sys::signal::Signal;
use nix::unistd::{getpid, getppid};

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
