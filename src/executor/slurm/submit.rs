//! The submit thread: `sbatch` for held jobs within the cap, `scancel` for
//! stops. It sleeps until rung (a job added, a stop asked, a slot freed),
//! until the next kill is due, or until it is time to try a silent cluster
//! again.
//!
//! When `sbatch` gets no answer (the controller is down or unreachable), the
//! job goes back to the held queue and the cluster is tried again every
//! [`RETRY_SILENT`]; a cluster silent for [`DriverOptions::lost_after`] fails
//! every held job, saying so. So a vanished cluster costs one command
//! timeout per retry, not one per queued job.
//!
//! [`DriverOptions::lost_after`]: super::DriverOptions::lost_after

use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError};

use super::Shared;
use super::registry::{Phase, StopOrder, Ticket};
use super::script;
use super::state::StopCause;
use super::tool::ToolError;
use crate::executor::{RemoteJob, RemoteOutcome, RemoteStatus};

/// How long after a failed `scancel` it is tried again.
const KILL_RETRY: Duration = Duration::from_secs(1);

/// Jobs named in one `scancel` call, as in one `squeue` call.
const IDS_PER_CALL: usize = 1000;

/// How long after `sbatch` got no answer the cluster is tried again.
const RETRY_SILENT: Duration = Duration::from_secs(10);

/// A plain `scancel` due at the end of a job's grace.
#[derive(Clone, Copy)]
struct Kill {
    at: Instant,
    ticket: Ticket,
    id: u64,
}

/// The cluster stopped answering `sbatch`.
struct Silence {
    since: Instant,
    error: ToolError,
    retry_at: Instant,
}

/// Why a job was not submitted.
enum Refusal {
    /// The cluster did not answer: the job can be tried again.
    Silent(ToolError),
    /// The job itself cannot be submitted.
    Refused(String),
}

/// The thread's state between wake-ups.
struct Submitter<'a> {
    shared: &'a Shared,
    kills: Vec<Kill>,
    silence: Option<Silence>,
}

/// The thread's body; returns when the driver quits.
pub(super) fn run(shared: &Shared, wake: &Receiver<()>) {
    let mut submitter = Submitter {
        shared,
        kills: Vec::new(),
        silence: None,
    };
    loop {
        if shared.registry.quitting() {
            return;
        }
        if submitter.step() {
            continue;
        }
        // The doorbell's sender lives as long as the registry, so these
        // only fail when nothing can ring any more.
        let waited = match submitter.next_timer() {
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

impl Submitter<'_> {
    /// When the thread must wake without being rung.
    fn next_timer(&self) -> Option<Instant> {
        let kill = self.kills.iter().map(|kill| kill.at).min();
        let silence = self.silence.as_ref().map(|silence| {
            silence
                .retry_at
                .min(silence.since + self.shared.options.lost_after)
        });
        kill.into_iter().chain(silence).min()
    }

    /// Carries out stops and due kills, fails held jobs of a cluster silent
    /// for too long, tells newly held jobs so, and submits one job. True
    /// when it submitted one (there may be more).
    fn step(&mut self) -> bool {
        self.stop(self.shared.registry.take_stops());
        let now = Instant::now();
        let (due, later): (Vec<Kill>, Vec<Kill>) =
            self.kills.drain(..).partition(|kill| kill.at <= now);
        self.kills = later;
        self.cancel(&due);
        if let Some(silence) = &self.silence {
            if silence.since.elapsed() >= self.shared.options.lost_after {
                self.fail_held();
            } else if now < silence.retry_at {
                return false;
            }
        }
        let Some((ticket, job, reporter)) = self.shared.registry.take_next() else {
            for reporter in self.shared.registry.newly_held() {
                reporter.status(RemoteStatus::Held);
            }
            return false;
        };
        match submit(self.shared, &job) {
            Ok(id) => {
                self.silence = None;
                reporter.status(RemoteStatus::Submitted {
                    id: id.to_string(),
                    output: script::output_path(&self.shared.output_dir, id),
                });
                self.shared.registry.submitted(ticket, id);
            }
            Err(Refusal::Silent(error)) => {
                reporter.notice(format!(
                    "jobdeck: not submitted yet: {error}; trying again in {} s",
                    RETRY_SILENT.as_secs()
                ));
                self.shared.registry.put_back(ticket);
                let since = self.silence.as_ref().map_or(now, |silence| silence.since);
                self.silence = Some(Silence {
                    since,
                    error,
                    retry_at: Instant::now() + RETRY_SILENT,
                });
                return false;
            }
            Err(Refusal::Refused(message)) => end_unsubmitted(self.shared, ticket, message),
        }
        true
    }

    /// Fails every held job because the cluster has not answered `sbatch`
    /// for [`DriverOptions::lost_after`](super::DriverOptions::lost_after),
    /// and forgets the silence, so the next job tries afresh.
    fn fail_held(&mut self) {
        let Some(silence) = self.silence.take() else {
            return;
        };
        let message = format!(
            "not submitted: the Slurm cluster has not answered sbatch for {} s (last: {})",
            silence.since.elapsed().as_secs(),
            silence.error
        );
        for entry in self.shared.registry.end_held() {
            let outcome = match entry.stop {
                Some(StopCause::Asked) => RemoteOutcome::Stopped {
                    message: "stopped before it was submitted to Slurm".to_owned(),
                },
                _ => RemoteOutcome::Failed {
                    exit: None,
                    message: message.clone(),
                },
            };
            entry.reporter.finished(outcome);
        }
    }
}

/// Writes the script, runs `sbatch`, and reads the job id it prints.
fn submit(shared: &Shared, job: &RemoteJob) -> Result<u64, Refusal> {
    let script = script::script(job)
        .map_err(|error| Refusal::Refused(format!("cannot submit to Slurm: {error}")))?;
    std::fs::create_dir_all(&shared.output_dir).map_err(|error| {
        Refusal::Refused(format!(
            "cannot create the Slurm output folder {}: {error}",
            shared.output_dir.display()
        ))
    })?;
    let args = script::sbatch_args(job, &shared.settings, &shared.output_dir);
    let stdout = shared
        .tools
        .run("sbatch", &args, script.as_bytes())
        .map_err(|error| {
            if error.is_silence() {
                Refusal::Silent(error)
            } else {
                Refusal::Refused(format!("Slurm did not take the job: {error}"))
            }
        })?;
    // `--parsable` prints `<id>` or `<id>;<cluster>`.
    let printed = stdout.trim();
    printed
        .split(';')
        .next()
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| {
            Refusal::Refused(format!(
                "sbatch printed {printed:?} where a job id was expected"
            ))
        })
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

impl Submitter<'_> {
    /// Carries out stops: a held job ends here; jobs on the cluster are
    /// cancelled if still pending, sent SIGTERM if running, and cancelled
    /// for good after their grace. One `scancel` call of each kind serves
    /// every job stopped at once (up to [`IDS_PER_CALL`] ids), so stopping a
    /// thousand jobs takes a few calls, not thousands.
    fn stop(&mut self, orders: Vec<StopOrder>) {
        let shared = self.shared;
        let mut on_cluster = Vec::with_capacity(orders.len());
        for order in orders {
            match order.phase {
                Phase::Held => end_unsubmitted(shared, order.ticket, String::new()),
                // This thread submits one job at a time and acts on stops
                // between submissions, so no job is Submitting here.
                Phase::Submitting => {}
                Phase::InFlight { id } => on_cluster.push((order, id)),
            }
        }
        for chunk in on_cluster.chunks(IDS_PER_CALL) {
            let ids: Vec<String> = chunk.iter().map(|(_, id)| id.to_string()).collect();
            // `--signal` on a pending job makes scancel wait until it starts,
            // so pending ones are cancelled outright, only running ones
            // signalled.
            let pending = [vec!["--state=PENDING".to_owned()], ids.clone()].concat();
            let running = [
                vec![
                    "--state=RUNNING".to_owned(),
                    "--signal=TERM".to_owned(),
                    "--full".to_owned(),
                ],
                ids,
            ]
            .concat();
            let sent = shared
                .tools
                .run("scancel", &pending, b"")
                .and_then(|_| shared.tools.run("scancel", &running, b""));
            for (order, id) in chunk {
                let why = match order.cause {
                    StopCause::Asked => "stop asked".to_owned(),
                    StopCause::TimedOut(limit) => {
                        format!("timed out after {} s", limit.as_secs_f32())
                    }
                };
                let text = match &sent {
                    Ok(_) => format!(
                        "jobdeck: {why}: sent SIGTERM to Slurm job {id} (or cancelled it if it \
                         was still pending); it is cancelled in {} s unless it ends",
                        order.grace.as_secs_f32()
                    ),
                    Err(error) => {
                        format!("jobdeck: {why}: could not signal Slurm job {id}: {error}")
                    }
                };
                shared.registry.notify(order.ticket, text);
                self.kills.push(Kill {
                    at: Instant::now() + order.grace,
                    ticket: order.ticket,
                    id: *id,
                });
            }
        }
    }

    /// The ends of graces: one `scancel` for the jobs still on the cluster,
    /// which Slurm follows with SIGKILL after its `KillWait`. A failed
    /// cancel is tried again until the job ends (or the poll thread gives it
    /// up as lost).
    fn cancel(&mut self, due: &[Kill]) {
        let shared = self.shared;
        let live: Vec<Kill> = due
            .iter()
            .copied()
            .filter(|kill| shared.registry.contains(kill.ticket))
            .collect();
        for chunk in live.chunks(IDS_PER_CALL) {
            let ids: Vec<String> = chunk.iter().map(|kill| kill.id.to_string()).collect();
            let cancelled = shared.tools.run("scancel", &ids, b"");
            for kill in chunk {
                let id = kill.id;
                match &cancelled {
                    Ok(_) => shared.registry.notify(
                        kill.ticket,
                        format!("jobdeck: grace period over: cancelled Slurm job {id}"),
                    ),
                    Err(error) => {
                        shared.registry.notify(
                            kill.ticket,
                            format!(
                                "jobdeck: could not cancel Slurm job {id}: {error}; trying again"
                            ),
                        );
                        self.kills.push(Kill {
                            at: Instant::now() + KILL_RETRY,
                            ..*kill
                        });
                    }
                }
            }
        }
    }
}
