//! `jobdeck run FILE --resume` and `--resume-failed`: which jobs of a job
//! file run again, given what the history says about its earlier runs.
//!
//! Jobs match by file (its absolute path) and job name (names are unique in
//! a file). The file's latest run decides, together with the runs of the
//! same file content just before it (a run that resumed another holds only
//! the jobs it ran): each job's state is its newest record among them. A
//! file whose content changed since its latest run is refused, as the names
//! may no longer mean the same jobs.
//!
//! - `--resume` skips jobs that ended (succeeded, failed, timed out, were
//!   stopped or skipped) and runs the rest: interrupted, still queued,
//!   cancelled before they started, and jobs never recorded.
//! - `--resume-failed` also runs the failed, timed-out and stopped ones, and
//!   the skipped ones (their dependencies run again, so they are decided
//!   anew); it skips only what succeeded.
//!
//! An interrupted cluster job whose run there was recorded (its Slurm job
//! id) follows that run again rather than submitting a new one: it may
//! still be running, or have ended meanwhile, and either way its work is
//! not done twice. A job that ended is never followed again.
//!
//! A job that runs waits for the jobs it names that run too; a dependency
//! that succeeded before counts as met. One whose dependency neither runs
//! nor succeeded cannot succeed either: it is left out, and said so.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{History, HistoryError, JobState, RunId};
use crate::engine::JobId;
use crate::jobspec::{JobSpec, Plan};

/// Which jobs run again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `--resume`: whatever did not end.
    Resume,
    /// `--resume-failed`: whatever did not succeed.
    ResumeFailed,
}

impl Mode {
    /// Whether a job last recorded as `state` (`None`: never) runs again.
    #[must_use]
    pub fn runs_again(self, state: Option<JobState>) -> bool {
        match state {
            None
            | Some(
                JobState::Queued | JobState::Running | JobState::Interrupted | JobState::Cancelled,
            ) => true,
            Some(JobState::Succeeded) => false,
            Some(JobState::Failed | JobState::TimedOut | JobState::Stopped | JobState::Skipped) => {
                self == Self::ResumeFailed
            }
        }
    }
}

/// Why a file cannot be resumed.
#[derive(Debug, thiserror::Error)]
pub enum ResumeError {
    /// The file's content is not what its latest run ran.
    #[error(
        "{} changed since its last run (run {run}): --resume only continues the same file; run it without --resume to start over",
        file.display()
    )]
    Changed {
        /// The job file.
        file: PathBuf,
        /// Its latest run.
        run: RunId,
    },
    /// The history cannot be read.
    #[error("cannot resume: {0}")]
    History(#[from] HistoryError),
}

/// What the history says about a job file's jobs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Previous {
    /// The latest run of the file; `None` if it never ran.
    pub run: Option<RunId>,
    /// Each job's latest state, by name.
    pub states: HashMap<String, JobState>,
    /// The cluster runs of interrupted jobs, by name: each one's remote id
    /// (Slurm's job id), when its cluster had given one.
    pub remote_ids: HashMap<String, String>,
}

/// Reads the states of `file`'s jobs (see the module docs).
///
/// # Errors
/// [`ResumeError::Changed`] when `hash` is not the latest run's.
pub fn previous(history: &History, file: &Path, hash: &str) -> Result<Previous, ResumeError> {
    let runs = history.runs_of_file(file)?;
    let Some(latest) = runs.first() else {
        return Ok(Previous::default());
    };
    if latest.file_hash.as_deref() != Some(hash) {
        return Err(ResumeError::Changed {
            file: file.to_path_buf(),
            run: latest.id,
        });
    }
    let mut states = HashMap::new();
    let mut remote_ids = HashMap::new();
    for run in runs
        .iter()
        .take_while(|run| run.file_hash.as_deref() == Some(hash))
    {
        // Within a run, a later row (a Retry) is newer.
        let mut in_run = HashMap::new();
        for job in history.jobs(run.id)? {
            in_run.insert(job.name, (job.state, job.remote_id));
        }
        for (name, (state, remote_id)) in in_run {
            if states.contains_key(&name) {
                continue;
            }
            if let (JobState::Interrupted, Some(remote_id)) = (state, remote_id) {
                remote_ids.insert(name.clone(), remote_id);
            }
            states.insert(name, state);
        }
    }
    Ok(Previous {
        run: Some(latest.id),
        states,
        remote_ids,
    })
}

/// A plan cut down to the jobs that run again.
#[derive(Debug)]
pub struct Resumed {
    /// The jobs that run, with dependencies on jobs that do not removed.
    pub plan: Plan,
    /// Each job's number: its place in the whole file (1-based).
    pub numbers: Vec<(JobId, u32)>,
    /// How many jobs were skipped because they are done.
    pub done: usize,
    /// Jobs that would run but wait for one that neither runs nor
    /// succeeded: (name, why).
    pub left_out: Vec<(String, String)>,
}

/// Cuts `plan` (a whole job file) down to what `mode` runs again.
#[must_use]
pub fn resume(plan: Plan, previous: &Previous, mode: Mode) -> Resumed {
    let state_of = |name: &str| previous.states.get(name).copied();
    let names: HashMap<JobId, (usize, Arc<JobSpec>)> = plan
        .jobs
        .iter()
        .enumerate()
        .map(|(i, job)| (job.id, (i, Arc::clone(&job.spec))))
        .collect();
    let mut running: HashSet<JobId> = plan
        .jobs
        .iter()
        .filter(|job| mode.runs_again(state_of(&job.spec.name)))
        .map(|job| job.id)
        .collect();
    let done = plan.jobs.len() - running.len();
    let barriers: HashMap<JobId, &Vec<JobId>> = plan
        .barriers
        .iter()
        .map(|barrier| (barrier.id, &barrier.members))
        .collect();
    // A job is blocked by a dependency that does not run and did not
    // succeed; leaving it out may block others, so repeat until nothing
    // changes.
    let mut left_out = Vec::new();
    loop {
        let mut blocked = Vec::new();
        for job in plan.jobs.iter().filter(|job| running.contains(&job.id)) {
            let why = job.after.iter().find_map(|dep| {
                let members = barriers.get(dep).map_or_else(|| vec![*dep], |m| (*m).clone());
                members.into_iter().find_map(|member| {
                    if running.contains(&member) {
                        return None;
                    }
                    let name = &names.get(&member)?.1.name;
                    match state_of(name) {
                        Some(JobState::Succeeded) => None,
                        Some(state) => Some(format!(
                            "it waits for {name}, which {} and is not run again (see --resume-failed)",
                            ended_as(state)
                        )),
                        None => Some(format!("it waits for {name}, which is not run")),
                    }
                })
            });
            if let Some(why) = why {
                blocked.push((job.id, job.spec.name.clone(), why));
            }
        }
        if blocked.is_empty() {
            break;
        }
        for (id, name, why) in blocked {
            running.remove(&id);
            left_out.push((name, why));
        }
    }
    let Plan {
        jobs,
        barriers: all_barriers,
    } = plan;
    let numbers = jobs
        .iter()
        .filter(|job| running.contains(&job.id))
        .map(|job| {
            let place = names.get(&job.id).map_or(0, |(i, _)| *i);
            (job.id, u32::try_from(place + 1).unwrap_or(u32::MAX))
        })
        .collect();
    let barriers: Vec<_> = all_barriers
        .into_iter()
        .filter_map(|mut barrier| {
            barrier.members.retain(|member| running.contains(member));
            (!barrier.members.is_empty()).then_some(barrier)
        })
        .collect();
    let kept_barriers: HashSet<JobId> = barriers.iter().map(|barrier| barrier.id).collect();
    let jobs = jobs
        .into_iter()
        .filter(|job| running.contains(&job.id))
        .map(|mut job| {
            job.after
                .retain(|dep| running.contains(dep) || kept_barriers.contains(dep));
            job.remote_id = previous.remote_ids.get(&job.spec.name).cloned();
            job
        })
        .collect();
    Resumed {
        plan: Plan { jobs, barriers },
        numbers,
        done,
        left_out,
    }
}

/// "failed", "timed out", "was stopped"...
fn ended_as(state: JobState) -> &'static str {
    match state {
        JobState::Failed => "failed",
        JobState::TimedOut => "timed out",
        JobState::Stopped => "was stopped",
        JobState::Skipped => "was skipped",
        JobState::Cancelled => "was cancelled",
        JobState::Interrupted => "was interrupted",
        JobState::Queued | JobState::Running => "did not end",
        JobState::Succeeded => "succeeded",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobspec::{Barrier, JobKind, JobSpec, PlannedJob};

    fn job(name: &str, after: Vec<JobId>) -> PlannedJob {
        let kind = JobKind::Demo(crate::jobs::DemoJob::Steps(crate::jobs::Steps::default()));
        PlannedJob::new(JobId::new(), Arc::new(JobSpec::new(name, kind)), after)
    }

    fn states(pairs: &[(&str, JobState)]) -> Previous {
        Previous {
            run: Some(RunId(1)),
            states: pairs.iter().map(|(n, s)| ((*n).to_owned(), *s)).collect(),
            remote_ids: HashMap::new(),
        }
    }

    fn names(resumed: &Resumed) -> Vec<&str> {
        resumed
            .plan
            .jobs
            .iter()
            .map(|j| j.spec.name.as_str())
            .collect()
    }

    #[test]
    fn resume_runs_what_did_not_end_and_numbers_by_place_in_the_file() {
        let plan = Plan {
            jobs: vec![
                job("a", vec![]),
                job("b", vec![]),
                job("c", vec![]),
                job("d", vec![]),
            ],
            barriers: vec![],
        };
        let d = plan.jobs[3].id;
        let previous = states(&[
            ("a", JobState::Succeeded),
            ("b", JobState::Failed),
            ("c", JobState::Interrupted),
        ]);
        let resumed = resume(plan.clone(), &previous, Mode::Resume);
        assert_eq!(names(&resumed), ["c", "d"]);
        assert_eq!(resumed.numbers[1], (d, 4));
        assert_eq!(resumed.done, 2);
        let resumed = resume(plan, &previous, Mode::ResumeFailed);
        assert_eq!(names(&resumed), ["b", "c", "d"]);
    }

    #[test]
    #[allow(clippy::many_single_char_names)] // Jobs named as in the assertions.
    fn a_dependency_that_succeeded_is_met_and_one_that_failed_leaves_its_dependent_out() {
        let a = job("a", vec![]);
        let b = job("b", vec![]);
        let c = job("c", vec![a.id]);
        let d = job("d", vec![b.id]);
        let e = job("e", vec![d.id]);
        let plan = Plan {
            jobs: vec![a, b, c, d, e],
            barriers: vec![],
        };
        let previous = states(&[
            ("a", JobState::Succeeded),
            ("b", JobState::Failed),
            ("c", JobState::Cancelled),
            ("d", JobState::Cancelled),
        ]);
        let resumed = resume(plan.clone(), &previous, Mode::Resume);
        assert_eq!(names(&resumed), ["c"]);
        assert!(resumed.plan.jobs[0].after.is_empty());
        let out: Vec<&str> = resumed.left_out.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(out, ["d", "e"]);
        assert!(
            resumed.left_out[0].1.contains("b, which failed"),
            "{:?}",
            resumed.left_out
        );
        let resumed = resume(plan, &previous, Mode::ResumeFailed);
        assert_eq!(names(&resumed), ["b", "c", "d", "e"]);
        assert_eq!(resumed.plan.jobs[2].after, vec![resumed.plan.jobs[0].id]);
    }

    #[test]
    fn a_barrier_keeps_only_the_members_that_run() {
        let a1 = job("a 1", vec![]);
        let a2 = job("a 2", vec![]);
        let barrier = Barrier {
            id: JobId::new(),
            members: vec![a1.id, a2.id],
        };
        let after = job("after", vec![barrier.id]);
        let plan = Plan {
            jobs: vec![a1, a2, after],
            barriers: vec![barrier],
        };
        let previous = states(&[("a 1", JobState::Succeeded), ("a 2", JobState::Interrupted)]);
        let resumed = resume(plan.clone(), &previous, Mode::Resume);
        assert_eq!(names(&resumed), ["a 2", "after"]);
        assert_eq!(
            resumed.plan.barriers[0].members,
            vec![resumed.plan.jobs[0].id]
        );
        let previous = states(&[("a 1", JobState::Succeeded), ("a 2", JobState::Succeeded)]);
        let resumed = resume(plan, &previous, Mode::Resume);
        assert_eq!(names(&resumed), ["after"]);
        assert!(resumed.plan.barriers.is_empty());
        assert!(resumed.plan.jobs[0].after.is_empty());
    }
}
