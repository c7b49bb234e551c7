//! `jobdeck history`: the runs in the history, one run's jobs, or one run's
//! jobs as GNU parallel's joblog.

use std::fmt::Write as _;
use std::io::{self, BufWriter, Write};

use serde_json::json;

use super::args::HistoryArgs;
use super::summary::seconds;
use crate::history::joblog::{HEADER, JoblogLine};
use crate::history::{
    History, HistoryError, JobRecord, JobState, Retention, RunEnd, RunId, RunRecord,
};

/// How many runs `jobdeck history` lists.
const RUNS_LISTED: usize = 50;

/// Why `jobdeck history` could not answer.
#[derive(Debug, thiserror::Error)]
pub enum HistoryCommandError {
    /// The history cannot be read.
    #[error(transparent)]
    History(#[from] HistoryError),
    /// No run has that number.
    #[error("there is no run {0} in the history (`jobdeck history` lists the runs)")]
    NoSuchRun(i64),
    /// Writing the answer failed.
    #[error("cannot write {what}: {error}")]
    Output {
        /// What was being written.
        what: String,
        /// Why it failed.
        error: io::Error,
    },
}

impl HistoryCommandError {
    /// The process exit code: 2 for a run that does not exist, 1 otherwise.
    #[must_use]
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::NoSuchRun(_) => 2,
            Self::History(_) | Self::Output { .. } => 1,
        }
    }
}

/// Answers `jobdeck history` as `args` ask, on stdout (or in the joblog).
pub fn history(args: &HistoryArgs) -> Result<(), HistoryCommandError> {
    let mut history = History::open_default(Retention::default());
    for notice in history.take_notices() {
        eprintln!("jobdeck: {notice}");
    }
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let result = match args.run {
        None => list_runs(&history, args.json, &mut out),
        Some(id) => {
            let run = history
                .run(RunId(id))?
                .ok_or(HistoryCommandError::NoSuchRun(id))?;
            match &args.joblog {
                Some(path) => return export_joblog(&history, &run, path),
                None => list_jobs(&history, &run, args, &mut out),
            }
        }
    };
    result
        .and_then(|()| out.flush())
        .map_err(|error| HistoryCommandError::Output {
            what: "to stdout".to_owned(),
            error,
        })?;
    Ok(())
}

fn list_runs(history: &History, json: bool, out: &mut impl Write) -> io::Result<()> {
    let runs = history.runs(RUNS_LISTED).map_err(io::Error::other)?;
    if json {
        for run in &runs {
            writeln!(out, "{}", run_json(run))?;
        }
        return Ok(());
    }
    if runs.is_empty() {
        return writeln!(out, "no runs in the history ({})", history.path().display());
    }
    writeln!(
        out,
        "{:>5}  {:<19}  {:<11}  {:>6}  {:<36}  FILE",
        "RUN", "STARTED (UTC)", "ENDED", "JOBS", "STATES"
    )?;
    for run in &runs {
        writeln!(
            out,
            "{:>5}  {:<19}  {:<11}  {:>6}  {:<36}  {}",
            run.id,
            utc(run.started_at),
            run.ended_how.map_or("running", |how| how.as_str()),
            run.jobs(),
            counts(run),
            run.file
                .as_ref()
                .map_or_else(|| "(window)".to_owned(), |f| f.display().to_string())
        )?;
    }
    Ok(())
}

fn list_jobs(
    history: &History,
    run: &RunRecord,
    args: &HistoryArgs,
    out: &mut impl Write,
) -> io::Result<()> {
    let jobs: Vec<JobRecord> = history
        .jobs(run.id)
        .map_err(io::Error::other)?
        .into_iter()
        .filter(|job| !args.failed || job.state.is_failure())
        .collect();
    if args.json {
        for job in &jobs {
            writeln!(out, "{}", job_json(job))?;
        }
        return Ok(());
    }
    writeln!(
        out,
        "run {}: {}, started {} UTC, {}; {}",
        run.id,
        run.file.as_ref().map_or_else(
            || "jobs started in the window".to_owned(),
            |f| f.display().to_string()
        ),
        utc(run.started_at),
        run.ended_how.map_or("running", |how| how.as_str()),
        counts(run)
    )?;
    writeln!(
        out,
        "{:>5}  {:<32}  {:<11}  {:>4}  {:>8}  LOG / ERROR",
        "SEQ", "NAME", "STATE", "EXIT", "TIME"
    )?;
    for job in &jobs {
        let exit = match (job.exit_code, job.signal) {
            (Some(code), _) => code.to_string(),
            (None, Some(signal)) => format!("sig{signal}"),
            (None, None) => String::new(),
        };
        let time = job.runtime_secs().map(seconds).unwrap_or_default();
        let detail = match (&job.log_path, &job.error) {
            (_, Some(error)) if job.state != JobState::Succeeded => error.clone(),
            (Some(log), _) => log.display().to_string(),
            _ => String::new(),
        };
        writeln!(
            out,
            "{:>5}  {:<32}  {:<11}  {:>4}  {:>8}  {}",
            job.seq,
            job.name,
            job.state.label(),
            exit,
            time,
            detail
        )?;
    }
    Ok(())
}

fn export_joblog(
    history: &History,
    run: &RunRecord,
    path: &std::path::Path,
) -> Result<(), HistoryCommandError> {
    let mut text = format!("{HEADER}\n");
    for job in history.jobs(run.id)? {
        let command = history
            .spec(job.row)?
            .map_or_else(|| job.name.clone(), |spec| spec.summary());
        if let Some(line) = JoblogLine::of_record(&job, command) {
            let _ = writeln!(text, "{line}");
        }
    }
    std::fs::write(path, text).map_err(|error| HistoryCommandError::Output {
        what: path.display().to_string(),
        error,
    })
}

/// "298 succeeded, 2 failed".
fn counts(run: &RunRecord) -> String {
    let parts: Vec<String> = JobState::ALL
        .iter()
        .filter(|&&state| run.count(state) > 0)
        .map(|&state| format!("{} {}", run.count(state), state.label()))
        .collect();
    if parts.is_empty() {
        "no jobs".to_owned()
    } else {
        parts.join(", ")
    }
}

fn run_json(run: &RunRecord) -> serde_json::Value {
    let counts: serde_json::Map<String, serde_json::Value> = JobState::ALL
        .iter()
        .filter(|&&state| run.count(state) > 0)
        .map(|&state| (state.as_str().to_owned(), json!(run.count(state))))
        .collect();
    json!({
        "run": run.id.0,
        "file": run.file,
        "file_hash": run.file_hash,
        "max_threads": run.max_threads,
        "version": run.version,
        "started_at": run.started_at,
        "ended_at": run.ended_at,
        "ended": run.ended_how.map(RunEnd::as_str),
        "resumed_from": run.resumed_from.map(|run| run.0),
        "jobs": run.jobs(),
        "counts": counts,
    })
}

fn job_json(job: &JobRecord) -> serde_json::Value {
    json!({
        "run": job.run.0,
        "seq": job.seq,
        "job": job.uuid,
        "name": job.name,
        "state": job.state.as_str(),
        "attempt": job.attempt,
        "exit_code": job.exit_code,
        "signal": job.signal,
        "error": job.error,
        "output": job.output,
        "queued_at": job.queued_at,
        "started_at": job.started_at,
        "ended_at": job.ended_at,
        "worker": job.worker,
        "log": job.log_path,
        "progress": job.progress,
    })
}

/// Unix seconds as `2024-05-01 12:00:03` (UTC).
fn utc(unix_secs: f64) -> String {
    // Whole seconds; times before 1970 do not occur in a history.
    #[allow(clippy::cast_possible_truncation)]
    let secs = unix_secs.floor() as i64;
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// The proleptic Gregorian date `days` after 1970-01-01 (the well-known
/// era-based conversion: 400-year eras of 146,097 days, years from March).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_times_read_as_utc_dates() {
        assert_eq!(utc(0.0), "1970-01-01 00:00:00");
        assert_eq!(utc(951_782_400.5), "2000-02-29 00:00:00");
        assert_eq!(utc(1_700_000_000.0), "2023-11-14 22:13:20");
    }
}
