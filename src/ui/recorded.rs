//! The window's side of the history: which run each submission is recorded
//! in, Retry of past jobs, Retry failed, the jobs a crash left queued, and
//! ending runs when the window closes. Drawing is `history.rs`'s.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use super::history::HistoryView;
use crate::engine::JobId;
use crate::history::{History, NewRun, Retention, RunEnd, RunId, content_hash};
use crate::jobspec::{After, JobSpec, Plan, PlannedJob};
use crate::session::Session;

/// The history and what the window keeps about it.
pub(crate) struct Recorder {
    history: History,
    pub(crate) view: HistoryView,
    /// The run of the jobs started from the toolbar, once one was.
    window_run: Option<RunId>,
    /// For each past run retried from here, the run its retries go to.
    retry_runs: HashMap<RunId, RunId>,
}

impl Recorder {
    /// Plugs `history` into `session` (before anything is submitted), reads
    /// the past runs, and queues again — paused — what a crash left queued.
    pub(crate) fn attach(mut history: History, session: &mut Session, max_threads: usize) -> Self {
        if let Some(journal) = history.journal() {
            session.add_sink(Box::new(journal));
        }
        let mut view = HistoryView::default();
        view.notices = history.take_notices();
        view.load(&history);
        let mut recorder = Self {
            history,
            view,
            window_run: None,
            retry_runs: HashMap::new(),
        };
        recorder.adopt_queued(session, max_threads);
        recorder.refresh();
        recorder
    }

    /// Takes what the history says now into the view (a write that failed).
    pub(crate) fn refresh(&mut self) {
        self.view.problem = self.history.problem();
    }

    /// Jobs started from the toolbar go to the window's run (begun with
    /// the first of them).
    pub(crate) fn before_toolbar_job(&mut self, max_threads: usize) {
        if self.window_run.is_none() {
            self.window_run = self.history.begin_run(NewRun {
                max_threads,
                ..NewRun::default()
            });
        }
        self.history.use_run(self.window_run);
    }

    /// A job file's jobs go to a run of their own, numbered in file order.
    pub(crate) fn before_job_file(&mut self, path: &Path, plan: &Plan, max_threads: usize) {
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let hash = std::fs::read(path).ok().map(|bytes| content_hash(&bytes));
        let run = self.history.begin_run(NewRun {
            file: Some(absolute),
            file_hash: hash,
            max_threads,
            resumed_from: None,
        });
        self.history.use_run(run);
        self.history
            .number(plan.jobs.iter().zip(1..).map(|(job, seq)| (job.id, seq)));
    }

    /// The job about to be retried in the session is recorded in `id`'s run.
    pub(crate) fn before_retry(&self, id: JobId) {
        self.history.retry_next(id);
    }

    /// Runs the job of row `row` (of a past run) again.
    pub(crate) fn retry_recorded(
        &mut self,
        session: &mut Session,
        row: i64,
        max_threads: usize,
    ) -> Result<String, String> {
        let job = self
            .view
            .job(row)
            .cloned()
            .ok_or_else(|| "that job is no longer in the history".to_owned())?;
        let spec = self.spec(row)?;
        self.submit_for(session, job.run, &[(spec, job.seq)], max_threads)?;
        Ok(format!("{} of run {} started again", job.name, job.run))
    }

    /// Runs every failed, timed-out, stopped or interrupted job of past run
    /// `run` again; they wait for each other as their specs say.
    pub(crate) fn retry_failed(
        &mut self,
        session: &mut Session,
        run: RunId,
        max_threads: usize,
    ) -> Result<String, String> {
        self.view.load_jobs(&self.history, run);
        let failed: Vec<(i64, u32)> = self
            .view
            .jobs_of(run)
            .unwrap_or_default()
            .iter()
            .filter(|job| job.state.is_failure())
            .map(|job| (job.row, job.seq))
            .collect();
        if failed.is_empty() {
            return Err(format!("run {run} has no failed jobs"));
        }
        let mut specs = Vec::with_capacity(failed.len());
        for (row, seq) in failed {
            specs.push((self.spec(row)?, seq));
        }
        let count = specs.len();
        self.submit_for(session, run, &specs, max_threads)?;
        Ok(format!("{count} failed job(s) of run {run} started again"))
    }

    /// Reads a past run's jobs for the view.
    pub(crate) fn load_run(&mut self, run: RunId) {
        self.view.load_jobs(&self.history, run);
    }

    /// Forgets the past runs `keep` does not cover.
    pub(crate) fn prune(&mut self, keep: Retention) -> Result<String, String> {
        let removed = self.history.prune(keep).map_err(|e| e.to_string())?;
        self.view.load(&self.history);
        Ok(format!("pruned {removed} run(s) from the history"))
    }

    /// Forgets every past run (this window's own stay).
    pub(crate) fn clear(&mut self) -> Result<String, String> {
        let mut keep = self.history.live_runs();
        keep.extend(self.window_run);
        keep.extend(self.retry_runs.values().copied());
        let removed = self.history.clear(keep).map_err(|e| e.to_string())?;
        self.view.load(&self.history);
        Ok(format!("cleared {removed} run(s) from the history"))
    }

    /// The window closes: runs with jobs still live end as closed, and
    /// everything is committed.
    pub(crate) fn close(&self) {
        for run in self.history.live_runs() {
            self.history.end_run(run, RunEnd::Closed);
        }
        self.history.sync();
    }

    fn spec(&self, row: i64) -> Result<Arc<JobSpec>, String> {
        match self.history.spec(row) {
            Ok(Some(spec)) => Ok(Arc::new(spec)),
            Ok(None) => Err("that job is no longer in the history".to_owned()),
            Err(error) => Err(format!("cannot read the job from the history: {error}")),
        }
    }

    /// Submits `specs` (with their numbers in `past`) into the run that
    /// holds this window's retries of `past`.
    fn submit_for(
        &mut self,
        session: &mut Session,
        past: RunId,
        specs: &[(Arc<JobSpec>, u32)],
        max_threads: usize,
    ) -> Result<(), String> {
        let run = if let Some(&run) = self.retry_runs.get(&past) {
            Some(run)
        } else {
            let record = self.view.run(past).cloned();
            let run = self.history.begin_run(NewRun {
                file: record.as_ref().and_then(|r| r.file.clone()),
                file_hash: record.and_then(|r| r.file_hash),
                max_threads,
                resumed_from: Some(past),
            });
            if let Some(run) = run {
                self.retry_runs.insert(past, run);
            }
            run
        };
        self.history.use_run(run);
        let plan = plan_among(
            &specs
                .iter()
                .map(|(spec, _)| Arc::clone(spec))
                .collect::<Vec<_>>(),
        );
        self.history.number(
            plan.jobs
                .iter()
                .zip(specs.iter().map(|(_, seq)| *seq))
                .map(|(job, seq)| (job.id, seq)),
        );
        session.submit(plan).map_err(|error| error.to_string())
    }

    /// Queues again, with the queue paused, the jobs crashed runs left
    /// queued; each crashed run's go to a run of their own.
    fn adopt_queued(&mut self, session: &mut Session, max_threads: usize) {
        let left = self.history.recovery().queued.clone();
        if left.is_empty() {
            return;
        }
        let mut by_run: BTreeMap<RunId, Vec<(i64, u32)>> = BTreeMap::new();
        for job in &left {
            by_run.entry(job.run).or_default().push((job.row, job.seq));
        }
        session.pool().pause();
        let mut adopted = 0;
        for (run, jobs) in by_run {
            let specs: Vec<(Arc<JobSpec>, u32)> = jobs
                .iter()
                .filter_map(|&(row, seq)| Some((self.spec(row).ok()?, seq)))
                .collect();
            let rows: Vec<i64> = jobs.iter().map(|&(row, _)| row).collect();
            let count = specs.len();
            if self.submit_for(session, run, &specs, max_threads).is_ok() {
                self.history.interrupt(rows);
                adopted += count;
            }
        }
        self.view.recovered = Some(format!(
            "{adopted} job(s) were still queued when jobdeck stopped: they are queued again, and the queue is paused"
        ));
    }
}

/// A plan of `specs` in which each waits for the others its `after` names
/// (jobs outside the plan count as met).
fn plan_among(specs: &[Arc<JobSpec>]) -> Plan {
    let ids: Vec<JobId> = specs.iter().map(|_| JobId::new()).collect();
    let jobs = specs
        .iter()
        .zip(&ids)
        .map(|(spec, &id)| {
            if spec.after.is_empty() {
                return PlannedJob {
                    id,
                    spec: Arc::clone(spec),
                    after: Vec::new(),
                };
            }
            let after = specs
                .iter()
                .zip(&ids)
                .filter(|(other, other_id)| {
                    **other_id != id
                        && spec.after.iter().any(|after| match after {
                            After::Job(name) => other.name == *name,
                            After::Batch(batch) => other.batch.as_ref() == Some(batch),
                        })
                })
                .map(|(_, &other_id)| other_id)
                .collect();
            PlannedJob {
                id,
                spec: Arc::clone(spec),
                after,
            }
        })
        .collect();
    Plan {
        jobs,
        barriers: Vec::new(),
    }
}
