//! Crash recovery: what a jobdeck that died without ending its runs left
//! behind, found and settled when the next one opens the history.
//!
//! A run with no end whose owner (the jobdeck process that started it) is
//! gone — its recorded pid is free, or taken by a process that started at
//! another time — was cut short. Its running jobs become
//! [`Interrupted`](super::JobState::Interrupted); their process groups, if
//! still alive, are killed (SIGTERM, a grace period, SIGKILL); its queued
//! jobs stay queued, for a window to take over or `--resume` to run. A run
//! whose owner is alive belongs to another jobdeck running now, and is left
//! alone.
//!
//! A group is only killed when it is certainly the job's: its leader is
//! alive with the recorded start time, or a member carries the job's
//! `JOBDECK_JOB_ID` in its environment (every command gets it, and its
//! children inherit it). A process group id cannot be handed out again
//! while any member lives, so one member of ours makes the whole group
//! ours. The environment is what finds the groups whose process was never
//! recorded: jobdeck may die between starting a program and committing its
//! pid, or even its start. Such a job, recorded as queued but found with a
//! live program, was running: it is interrupted too.
//!
//! A cluster job's run is the cluster's, not a process here: one with a
//! recorded remote id is interrupted like the others but nothing is killed
//! for it, so that `--resume` can follow that run again.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use rusqlite::{Connection, Transaction, TransactionBehavior};

use super::records::RunId;
use crate::procfs;

/// How long leftover processes get between SIGTERM and SIGKILL.
pub const RECOVERY_GRACE: Duration = Duration::from_secs(2);

/// What recovery found and did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Recovery {
    /// The runs found cut short, now ended as crashed.
    pub runs: Vec<RunId>,
    /// Jobs that were running, now interrupted.
    pub interrupted: usize,
    /// Process groups of those jobs that were still alive and were killed.
    /// A job may have left more than one (a program that made its own).
    pub killed_groups: usize,
    /// Jobs of those runs that were still queued, left queued.
    pub queued: Vec<LeftQueued>,
}

/// A job left queued by a run that was cut short.
#[derive(Clone, Debug, PartialEq)]
pub struct LeftQueued {
    /// Its row in the store.
    pub row: i64,
    /// Its run.
    pub run: RunId,
    /// Its number in the run.
    pub seq: u32,
    /// Its name.
    pub name: String,
}

impl Recovery {
    /// What happened, for the person; `None` when nothing was found.
    #[must_use]
    pub fn describe(&self) -> Option<String> {
        if self.runs.is_empty() {
            return None;
        }
        let runs: Vec<String> = self.runs.iter().map(ToString::to_string).collect();
        let mut text = format!(
            "jobdeck stopped without ending run {}: {} running job(s) marked interrupted",
            runs.join(", "),
            self.interrupted
        );
        if self.killed_groups > 0 {
            let _ = write!(
                text,
                "; killed the processes {} of them had left running",
                self.killed_groups
            );
        }
        if !self.queued.is_empty() {
            let _ = write!(text, "; {} job(s) were still queued", self.queued.len());
        }
        Some(text)
    }
}

/// A running job's recorded process.
struct Leftover {
    uuid: String,
    pid: Option<u32>,
    pgid: u32,
    start_ticks: Option<u64>,
}

/// Finds the runs cut short, settles them in the store, then kills what
/// they left running.
pub(crate) fn recover(conn: &mut Connection) -> rusqlite::Result<Recovery> {
    let tx = Transaction::new(conn, TransactionBehavior::Immediate)?;
    let crashed = crashed_runs(&tx)?;
    let mut recovery = Recovery::default();
    if crashed.is_empty() {
        return Ok(recovery);
    }
    let live = live_job_groups();
    let mut leftovers = Vec::new();
    for run in crashed {
        settle(&tx, run, &live, &mut recovery, &mut leftovers)?;
        recovery.runs.push(run);
    }
    tx.commit()?;
    recovery.killed_groups = kill_groups(&leftovers, RECOVERY_GRACE);
    Ok(recovery)
}

/// The process groups of live processes that carry a `JOBDECK_JOB_ID`,
/// by that id.
fn live_job_groups() -> HashMap<String, BTreeSet<u32>> {
    let mut groups: HashMap<String, BTreeSet<u32>> = HashMap::new();
    for (pid, stat) in procfs::processes() {
        if let Some(job) = procfs::environment_value(pid, "JOBDECK_JOB_ID") {
            groups.entry(job).or_default().insert(stat.group);
        }
    }
    groups
}

/// Runs with no end whose owner is gone.
fn crashed_runs(tx: &Transaction<'_>) -> rusqlite::Result<Vec<RunId>> {
    let me = std::process::id();
    let mut statement =
        tx.prepare("SELECT id, owner_pid, owner_start FROM runs WHERE ended_at IS NULL")?;
    let rows = statement.query_map([], |row| {
        Ok((
            RunId(row.get(0)?),
            row.get::<_, Option<i64>>(1)?,
            row.get::<_, Option<i64>>(2)?,
        ))
    })?;
    let mut crashed = Vec::new();
    for row in rows {
        let (run, pid, start) = row?;
        let owner_alive = match (
            pid.and_then(|p| u32::try_from(p).ok()),
            start.and_then(|s| u64::try_from(s).ok()),
        ) {
            // This process's own runs are not crashed, whatever they say.
            (Some(pid), _) if pid == me => true,
            (Some(pid), Some(start)) => procfs::is_alive_since(pid, start),
            _ => false,
        };
        if !owner_alive {
            crashed.push(run);
        }
    }
    Ok(crashed)
}

fn settle(
    tx: &Transaction<'_>,
    run: RunId,
    live: &HashMap<String, BTreeSet<u32>>,
    recovery: &mut Recovery,
    leftovers: &mut Vec<Leftover>,
) -> rusqlite::Result<()> {
    // Queued jobs with a live program were running, unrecorded.
    let mut queued_uuids =
        tx.prepare("SELECT id, uuid FROM jobs WHERE run = ?1 AND state = 'queued'")?;
    let started: Vec<i64> = queued_uuids
        .query_map([run.0], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
        })?
        .filter_map(Result::ok)
        .filter(|(_, uuid)| live.contains_key(uuid))
        .map(|(row, _)| row)
        .collect();
    for row in started {
        tx.execute("UPDATE jobs SET state = 'running' WHERE id = ?1", [row])?;
    }
    let mut running = tx.prepare(
        "SELECT uuid, pid, pgid, process_start FROM jobs
         WHERE run = ?1 AND state = 'running' AND remote_id IS NULL",
    )?;
    let found = running.query_map([run.0], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, Option<i64>>(1)?,
            row.get::<_, Option<i64>>(2)?,
            row.get::<_, Option<i64>>(3)?,
        ))
    })?;
    for row in found {
        let (uuid, leader, group, start) = row?;
        let recorded = group.and_then(|g| u32::try_from(g).ok());
        let mut groups = live.get(&uuid).cloned().unwrap_or_default();
        groups.extend(recorded);
        for pgid in groups {
            leftovers.push(Leftover {
                uuid: uuid.clone(),
                pid: leader.and_then(|p| u32::try_from(p).ok()),
                pgid,
                start_ticks: start.and_then(|s| u64::try_from(s).ok()),
            });
        }
    }
    // Its end time stays unknown: it did not get to end.
    recovery.interrupted += tx.execute(
        "UPDATE jobs SET state = 'interrupted' WHERE run = ?1 AND state = 'running'",
        [run.0],
    )?;
    let mut queued = tx.prepare(
        "SELECT id, seq, name FROM jobs WHERE run = ?1 AND state = 'queued' ORDER BY seq, id",
    )?;
    for row in queued.query_map([run.0], |row| {
        Ok(LeftQueued {
            row: row.get(0)?,
            run,
            seq: row.get(1)?,
            name: row.get(2)?,
        })
    })? {
        recovery.queued.push(row?);
    }
    // When it died is unknown; the last thing it recorded is the best guess.
    tx.execute(
        "UPDATE runs SET ended_how = 'crashed', ended_at = MAX(started_at, COALESCE(
            (SELECT MAX(COALESCE(ended_at, started_at, queued_at)) FROM jobs WHERE run = ?1),
            started_at)) WHERE id = ?1",
        [run.0],
    )?;
    Ok(())
}

/// Whether group `pgid`, recorded for job `uuid`, is still that job's.
fn is_ours(leftover: &Leftover) -> bool {
    if let (Some(pid), Some(start)) = (leftover.pid, leftover.start_ticks)
        && pid == leftover.pgid
        && procfs::is_alive_since(pid, start)
    {
        return true;
    }
    let mark = format!("JOBDECK_JOB_ID={}", leftover.uuid);
    procfs::group_members(leftover.pgid)
        .into_iter()
        .any(|member| procfs::environment_has(member, &mark))
}

/// SIGTERM to every group that is certainly ours, SIGKILL to those still
/// there after `grace`. Returns how many groups were found alive.
fn kill_groups(leftovers: &[Leftover], grace: Duration) -> usize {
    let ours: Vec<u32> = leftovers
        .iter()
        .filter(|leftover| is_ours(leftover))
        .map(|leftover| leftover.pgid)
        .collect();
    for &group in &ours {
        signal_group(group, Signal::SIGTERM);
        // A stopped group (a paused job) acts on the TERM once continued.
        signal_group(group, Signal::SIGCONT);
    }
    let deadline = Instant::now() + grace;
    let mut alive: Vec<u32> = ours.clone();
    while !alive.is_empty() && Instant::now() < deadline {
        alive.retain(|&group| !procfs::group_members(group).is_empty());
        if !alive.is_empty() {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    for &group in &alive {
        signal_group(group, Signal::SIGKILL);
    }
    ours.len()
}

fn signal_group(group: u32, signal: Signal) {
    if let Ok(group) = i32::try_from(group) {
        // ESRCH: the group ended on its own meanwhile, as hoped.
        let _ = killpg(Pid::from_raw(group), signal);
    }
}
