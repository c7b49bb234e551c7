//! The poll thread: one `squeue` call for every in-flight job per interval,
//! their output files read as they grow, timeouts enforced, and each job's
//! end read from `scontrol show job` and reported.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError};

use super::Shared;
use super::follow::Follower;
use super::registry::{InFlight, Ticket};
use super::script;
use super::state::{self, JobRecord, QueueRow, StopCause};
use super::tool::ToolError;
use crate::executor::{RemoteOutcome, RemoteStatus};

/// Jobs asked about in one `squeue` call: about 10 KB of ids, far below
/// the kernel's 128 KB limit on one argument.
const IDS_PER_CALL: usize = 1000;

/// What the poll thread keeps about one in-flight job between polls.
struct Tracked {
    follower: Follower,
    last_status: Option<RemoteStatus>,
    /// When the job was first seen running: its timeout counts from here.
    started: Option<Instant>,
    read_error_reported: bool,
}

/// The thread's body; returns when `quit` is dropped.
pub(super) fn run(shared: &Shared, quit: &Receiver<()>) {
    let mut tracked: HashMap<Ticket, Tracked> = HashMap::new();
    // Since when polls have kept failing.
    let mut failing: Option<Instant> = None;
    let interval = shared.options.poll_interval;
    let mut next = Instant::now() + interval;
    loop {
        match quit.recv_timeout(next.saturating_duration_since(Instant::now())) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
        }
        // At a fixed rate, but never in a burst after a slow poll.
        next = (next + interval).max(Instant::now());
        poll_once(shared, &mut tracked, &mut failing);
    }
}

fn poll_once(
    shared: &Shared,
    tracked: &mut HashMap<Ticket, Tracked>,
    failing: &mut Option<Instant>,
) {
    let mut jobs = shared.registry.in_flight();
    let live: HashSet<Ticket> = jobs.iter().map(|job| job.ticket).collect();
    tracked.retain(|ticket, _| live.contains(ticket));
    if jobs.is_empty() {
        *failing = None;
        return;
    }
    for job in &mut jobs {
        for text in std::mem::take(&mut job.notices) {
            job.reporter.notice(text);
        }
        let entry = tracked.entry(job.ticket).or_insert_with(|| Tracked {
            follower: Follower::new(script::output_path(&shared.output_dir, job.id)),
            last_status: None,
            started: None,
            read_error_reported: false,
        });
        follow(job, entry);
    }
    let rows = match queue(shared, &jobs) {
        Ok(rows) => {
            *failing = None;
            rows
        }
        Err(error) => {
            let since = *failing.get_or_insert_with(Instant::now);
            if since.elapsed() >= shared.options.lost_after {
                for job in jobs {
                    let entry = tracked.remove(&job.ticket);
                    lose(shared, &job, entry, since.elapsed(), &error);
                }
                *failing = None;
            }
            return;
        }
    };
    for job in jobs {
        let Some(entry) = tracked.get_mut(&job.ticket) else {
            continue;
        };
        match rows.get(&job.id) {
            Some(row) if !state::is_final(&row.state) => update(shared, &job, entry, row),
            row => {
                if finish(shared, &job, entry, row) {
                    tracked.remove(&job.ticket);
                }
            }
        }
    }
}

/// `squeue` for all of `jobs`, by Slurm id: one call per [`IDS_PER_CALL`]
/// jobs.
fn queue(shared: &Shared, jobs: &[InFlight]) -> Result<HashMap<u64, QueueRow>, ToolError> {
    let mut rows = HashMap::with_capacity(jobs.len());
    for chunk in jobs.chunks(IDS_PER_CALL) {
        let ids = chunk
            .iter()
            .map(|job| job.id.to_string())
            .collect::<Vec<_>>()
            .join(",");
        rows.extend(
            queue_ids(shared, &ids)?
                .into_iter()
                .map(|row| (row.id, row)),
        );
    }
    Ok(rows)
}

/// One `squeue` call for the comma-separated `ids`.
fn queue_ids(shared: &Shared, ids: &str) -> Result<Vec<QueueRow>, ToolError> {
    let asked = shared.tools.run(
        "squeue",
        &[
            "--noheader",
            "--states=all",
            "--jobs",
            ids,
            "--format",
            state::QUEUE_FORMAT,
        ],
        b"",
    );
    let text = match asked {
        Ok(stdout) => stdout,
        // Asked about one job it has forgotten, squeue fails rather than
        // printing nothing (as it does for several).
        Err(ToolError::Failed { stderr, .. }) if stderr.contains("Invalid job id") => String::new(),
        Err(error) => return Err(error),
    };
    Ok(state::parse_queue(&text))
}

/// Hands the output added since the last poll to the reporter.
fn follow(job: &InFlight, entry: &mut Tracked) {
    let read = entry.follower.poll(|line| job.reporter.line(line));
    report_read_error(job, entry, read);
}

fn report_read_error(job: &InFlight, entry: &mut Tracked, read: std::io::Result<()>) {
    if let Err(error) = read
        && !entry.read_error_reported
    {
        entry.read_error_reported = true;
        job.reporter.notice(format!(
            "jobdeck: cannot read the output of Slurm job {}: {error}",
            job.id
        ));
    }
}

/// A job still in flight: report a changed status, start its clock when it
/// starts running, and stop it when it has run for its whole timeout.
fn update(shared: &Shared, job: &InFlight, entry: &mut Tracked, row: &QueueRow) {
    let status = state::status(row);
    if matches!(status, RemoteStatus::Running { .. }) && entry.started.is_none() {
        entry.started = Some(Instant::now());
    }
    if entry.last_status.as_ref() != Some(&status) {
        job.reporter.status(status.clone());
        entry.last_status = Some(status);
    }
    if let (Some(timeout), Some(started), None) = (job.timeout, entry.started, job.stop)
        && started.elapsed() >= timeout
    {
        shared
            .registry
            .request_stop(job.ticket, StopCause::TimedOut(timeout));
    }
}

/// A job whose state is final, or that `squeue` no longer lists: its exit
/// from `scontrol`, the rest of its output, and its outcome. False when
/// `scontrol` shows the job still in flight after all.
fn finish(shared: &Shared, job: &InFlight, entry: &mut Tracked, row: Option<&QueueRow>) -> bool {
    let record = record(shared, job.id).or_else(|| {
        row.map(|row| JobRecord {
            state: row.state.clone(),
            reason: row.reason.clone(),
            nodes: row.nodes.clone(),
            ..JobRecord::default()
        })
    });
    if record
        .as_ref()
        .is_some_and(|record| !state::is_final(&record.state))
    {
        // squeue missed a job scontrol still shows in flight: a later poll
        // sees it again.
        return false;
    }
    let read = entry.follower.finish(|line| job.reporter.line(line));
    report_read_error(job, entry, read);
    let Some(ended) = shared.registry.end(job.ticket) else {
        return true;
    };
    for text in ended.notices {
        job.reporter.notice(text);
    }
    let outcome = match &record {
        Some(record) => state::outcome(job.id, record, ended.stop),
        None => RemoteOutcome::Failed {
            exit: None,
            message: format!(
                "Slurm no longer knows job {id}: its end was not seen (its record expires \
                 MinJobAge after it ends, or the controller lost its state)",
                id = job.id
            ),
        },
    };
    ended.reporter.finished(outcome);
    shared.registry.release();
    true
}

/// `scontrol show job -o <id>`, or `None` when it fails or Slurm no longer
/// knows the job.
fn record(shared: &Shared, id: u64) -> Option<JobRecord> {
    let stdout = shared
        .tools
        .run(
            "scontrol",
            &["show", "job", "--oneliner", &id.to_string()],
            b"",
        )
        .ok()?;
    state::parse_record(&stdout)
}

/// Fails a job the driver can no longer follow because the cluster stopped
/// answering.
fn lose(
    shared: &Shared,
    job: &InFlight,
    entry: Option<Tracked>,
    failing_for: Duration,
    error: &ToolError,
) {
    if let Some(mut entry) = entry {
        let read = entry.follower.finish(|line| job.reporter.line(line));
        report_read_error(job, &mut entry, read);
    }
    let Some(ended) = shared.registry.end(job.ticket) else {
        return;
    };
    for text in ended.notices {
        job.reporter.notice(text);
    }
    let lost = format!(
        "lost contact with the Slurm cluster: squeue has failed for {} s (last: {error})",
        failing_for.as_secs()
    );
    let outcome = match ended.stop {
        Some(StopCause::Asked) => RemoteOutcome::Stopped {
            message: format!(
                "stopped, but Slurm job {} was not seen to end: {lost}",
                job.id
            ),
        },
        _ => RemoteOutcome::Failed {
            exit: None,
            message: format!("{lost}; Slurm job {} may still be running there", job.id),
        },
    };
    ended.reporter.finished(outcome);
    shared.registry.release();
}
