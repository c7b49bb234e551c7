//! The submit thread: `sbatch` for held jobs within the cap, `scancel` for
//! stops. It sleeps until rung (a job added, a stop asked, a slot freed) or
//! until the next kill is due.

use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError};

use super::Shared;
use super::registry::{Phase, StopOrder, Ticket};
use super::script;
use super::state::StopCause;
use crate::executor::{RemoteOutcome, RemoteStatus, Reporter};

/// How long after a failed `scancel` it is tried again.
const KILL_RETRY: Duration = Duration::from_secs(1);

/// A plain `scancel` due at the end of a job's grace.
struct Kill {
    at: Instant,
    ticket: Ticket,
    id: u64,
    reporter: std::sync::Arc<dyn Reporter>,
}

/// The thread's body; returns when the driver quits.
pub(super) fn run(shared: &Shared, wake: &Receiver<()>) {
    let mut kills: Vec<Kill> = Vec::new();
    loop {
        if shared.registry.quitting() {
            return;
        }
        if step(shared, &mut kills) {
            continue;
        }
        // The doorbell's sender lives as long as the registry, so these
        // only fail when nothing can ring any more.
        let waited = match kills.iter().map(|kill| kill.at).min() {
            Some(at) => match wake.recv_timeout(at.saturating_duration_since(Instant::now())) {
                Ok(()) | Err(RecvTimeoutError::Timeout) => Ok(()),
                Err(RecvTimeoutError::Disconnected) => Err(()),
            },
            None => wake.recv().map_err(drop),
        };
        if waited.is_err() {
            return;
        }
    }
}

/// Carries out stops and due kills, tells newly held jobs so, and submits
/// one job. True when it submitted one (there may be more).
fn step(shared: &Shared, kills: &mut Vec<Kill>) -> bool {
    for order in shared.registry.take_stops() {
        stop(shared, order, kills);
    }
    let now = Instant::now();
    let (due, later): (Vec<Kill>, Vec<Kill>) = kills.drain(..).partition(|kill| kill.at <= now);
    *kills = later;
    for kill in due {
        cancel(shared, kill, kills);
    }
    let Some((ticket, job, reporter)) = shared.registry.take_next() else {
        for reporter in shared.registry.newly_held() {
            reporter.status(RemoteStatus::Held);
        }
        return false;
    };
    match submit(shared, &job) {
        Ok(id) => {
            reporter.status(RemoteStatus::Submitted {
                id: id.to_string(),
                output: script::output_path(&shared.output_dir, id),
            });
            shared.registry.submitted(ticket, id);
        }
        Err(message) => end_unsubmitted(shared, ticket, message),
    }
    true
}

/// Writes the script, runs `sbatch`, and reads the job id it prints.
fn submit(shared: &Shared, job: &crate::executor::RemoteJob) -> Result<u64, String> {
    let script = script::script(job).map_err(|error| format!("cannot submit to Slurm: {error}"))?;
    std::fs::create_dir_all(&shared.output_dir).map_err(|error| {
        format!(
            "cannot create the Slurm output folder {}: {error}",
            shared.output_dir.display()
        )
    })?;
    let args = script::sbatch_args(job, &shared.settings, &shared.output_dir);
    let stdout = shared
        .tools
        .run("sbatch", &args, script.as_bytes())
        .map_err(|error| format!("Slurm did not take the job: {error}"))?;
    // `--parsable` prints `<id>` or `<id>;<cluster>`.
    let printed = stdout.trim();
    printed
        .split(';')
        .next()
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| format!("sbatch printed {printed:?} where a job id was expected"))
}

/// Ends a job that never reached the cluster: Stopped when a stop was
/// asked, else Failed with `message`.
fn end_unsubmitted(shared: &Shared, ticket: Ticket, message: String) {
    let Some(entry) = shared.registry.end(ticket) else {
        return;
    };
    let outcome = match entry.stop {
        Some(StopCause::Asked) => RemoteOutcome::Stopped {
            message: "stopped before it was submitted to Slurm".to_owned(),
        },
        _ => RemoteOutcome::Failed {
            exit: None,
            message,
        },
    };
    entry.reporter.finished(outcome);
    if entry.holds_slot() {
        shared.registry.release();
    }
}

/// Carries out one stop: a held job ends here; a job on the cluster is
/// cancelled if still pending, sent SIGTERM if running, and cancelled for
/// good after its grace.
fn stop(shared: &Shared, order: StopOrder, kills: &mut Vec<Kill>) {
    let id = match order.phase {
        Phase::Held => {
            end_unsubmitted(shared, order.ticket, String::new());
            return;
        }
        // This thread submits one job at a time and acts on stops between
        // submissions, so no job is Submitting here.
        Phase::Submitting => return,
        Phase::InFlight { id } => id,
    };
    let why = match order.cause {
        StopCause::Asked => "stop asked".to_owned(),
        StopCause::TimedOut(limit) => format!("timed out after {} s", limit.as_secs_f32()),
    };
    let id_arg = id.to_string();
    // `--signal` on a pending job makes scancel wait until it starts, so a
    // pending one is cancelled outright, and only a running one signalled.
    let sent = shared
        .tools
        .run("scancel", &["--state=PENDING", &id_arg], b"")
        .and_then(|_| {
            shared.tools.run(
                "scancel",
                &["--state=RUNNING", "--signal=TERM", "--full", &id_arg],
                b"",
            )
        });
    let text = match sent {
        Ok(_) => format!(
            "jobdeck: {why}: sent SIGTERM to Slurm job {id} (or cancelled it if it was still \
             pending); it is cancelled in {} s unless it ends",
            order.grace.as_secs_f32()
        ),
        Err(error) => format!("jobdeck: {why}: could not signal Slurm job {id}: {error}"),
    };
    order.reporter.notice(text);
    kills.push(Kill {
        at: Instant::now() + order.grace,
        ticket: order.ticket,
        id,
        reporter: order.reporter,
    });
}

/// The end of a grace: `scancel`, which Slurm follows with SIGKILL after its
/// `KillWait`. A failed cancel is tried again until the job ends (or the
/// poll thread gives it up as lost).
fn cancel(shared: &Shared, kill: Kill, kills: &mut Vec<Kill>) {
    if !shared.registry.contains(kill.ticket) {
        return;
    }
    let id = kill.id.to_string();
    match shared.tools.run("scancel", &[&id], b"") {
        Ok(_) => kill.reporter.notice(format!(
            "jobdeck: grace period over: cancelled Slurm job {id}"
        )),
        Err(error) => {
            kill.reporter.notice(format!(
                "jobdeck: could not cancel Slurm job {id}: {error}; trying again"
            ));
            kills.push(Kill {
                at: Instant::now() + KILL_RETRY,
                ..kill
            });
        }
    }
}
