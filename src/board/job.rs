//! One job as a view shows it: its lifecycle, progress, log and plot series.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::engine::{JobId, LineStatus, LogLine, Output, Placement};
use crate::jobspec::JobSpec;

use super::Series;

/// Log lines kept in memory per job. Older lines are dropped (and counted);
/// the full log of a command job lives on disk.
pub const LOG_LINES_KEPT: usize = 1_000;

/// Where a job stands, with the data that only makes sense in that state.
#[derive(Clone, Debug, PartialEq)]
pub enum Lifecycle {
    /// Submitted, not started (waiting for a worker or for dependencies).
    Queued,
    /// Running, on a worker or remotely.
    Running {
        /// The worker thread's number; `None` for a remote job.
        worker: Option<usize>,
        /// When this attempt started.
        started: Instant,
        /// 1 for the first run, 2 for the first retry, and so on.
        attempt: u32,
        /// When a stop was asked, if it was: the job is "stopping" until it ends.
        stop_requested: Option<Instant>,
        /// Whether it was asked to pause: a cooperative job holds at its
        /// next checkpoint, a command's processes are stopped (SIGSTOP).
        paused: bool,
    },
    /// Ended well.
    Succeeded {
        /// What it returned.
        output: Output,
        /// How long its last attempt ran.
        elapsed: Duration,
    },
    /// Ended with an error (or a panic) on its last attempt.
    Failed {
        /// What went wrong.
        error: String,
        /// The exit code, for jobs that run a process.
        exit_code: Option<i32>,
        /// How long its last attempt ran.
        elapsed: Duration,
    },
    /// A person stopped it.
    Stopped {
        /// How long it ran.
        elapsed: Duration,
    },
    /// It ran past its timeout.
    TimedOut {
        /// How long it ran.
        elapsed: Duration,
    },
    /// Cancelled before it started.
    Cancelled,
    /// Never started because a dependency did not succeed.
    Skipped {
        /// That dependency.
        because: JobId,
    },
}

/// [`Lifecycle`] without its data: for counting, colouring and filtering.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StateClass {
    /// See [`Lifecycle::Queued`].
    Queued,
    /// Running, no stop asked.
    Running,
    /// Running, a stop was asked and the job has not ended yet.
    Stopping,
    /// Running, asked to pause (and not to stop).
    Paused,
    /// See [`Lifecycle::Succeeded`].
    Succeeded,
    /// See [`Lifecycle::Failed`].
    Failed,
    /// See [`Lifecycle::Stopped`].
    Stopped,
    /// See [`Lifecycle::TimedOut`].
    TimedOut,
    /// See [`Lifecycle::Cancelled`].
    Cancelled,
    /// See [`Lifecycle::Skipped`].
    Skipped,
}

impl StateClass {
    /// Every class, in the order counts are shown.
    pub const ALL: [Self; 10] = [
        Self::Queued,
        Self::Running,
        Self::Stopping,
        Self::Paused,
        Self::Succeeded,
        Self::Failed,
        Self::Stopped,
        Self::TimedOut,
        Self::Cancelled,
        Self::Skipped,
    ];

    /// Lower-case name shown to people ("timed out").
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Stopping => "stopping",
            Self::Paused => "paused",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Stopped => "stopped",
            Self::TimedOut => "timed out",
            Self::Cancelled => "cancelled",
            Self::Skipped => "skipped",
        }
    }

    /// Whether the job has ended.
    #[must_use]
    pub fn is_ended(self) -> bool {
        !matches!(
            self,
            Self::Queued | Self::Running | Self::Stopping | Self::Paused
        )
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl Lifecycle {
    /// The state without its data.
    #[must_use]
    pub fn class(&self) -> StateClass {
        match self {
            Self::Queued => StateClass::Queued,
            Self::Running {
                stop_requested: Some(_),
                ..
            } => StateClass::Stopping,
            Self::Running { paused: true, .. } => StateClass::Paused,
            Self::Running { .. } => StateClass::Running,
            Self::Succeeded { .. } => StateClass::Succeeded,
            Self::Failed { .. } => StateClass::Failed,
            Self::Stopped { .. } => StateClass::Stopped,
            Self::TimedOut { .. } => StateClass::TimedOut,
            Self::Cancelled => StateClass::Cancelled,
            Self::Skipped { .. } => StateClass::Skipped,
        }
    }

    /// Whether the job has ended.
    #[must_use]
    pub fn is_ended(&self) -> bool {
        self.class().is_ended()
    }

    /// How long the job has run (so far, or in its last attempt once ended);
    /// `None` if it never ran.
    #[must_use]
    pub fn elapsed(&self, now: Instant) -> Option<Duration> {
        match self {
            Self::Running { started, .. } => Some(now.saturating_duration_since(*started)),
            Self::Succeeded { elapsed, .. }
            | Self::Failed { elapsed, .. }
            | Self::Stopped { elapsed }
            | Self::TimedOut { elapsed } => Some(*elapsed),
            Self::Queued | Self::Cancelled | Self::Skipped { .. } => None,
        }
    }

    /// How long ago a stop was asked of a job that is still running.
    #[must_use]
    pub fn stopping_for(&self, now: Instant) -> Option<Duration> {
        match self {
            Self::Running {
                stop_requested: Some(asked),
                ..
            } => Some(now.saturating_duration_since(*asked)),
            _ => None,
        }
    }

    /// The worker running the job, if it runs.
    #[must_use]
    pub fn worker(&self) -> Option<usize> {
        match self {
            Self::Running { worker, .. } => *worker,
            _ => None,
        }
    }
}

/// The newest log lines of a job: at most [`LOG_LINES_KEPT`] lines that
/// ended (or stood alone), then the unfinished line of each stream, if
/// any, as its last redraw left it (see [`LineStatus`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JobLog {
    lines: VecDeque<LogLine>,
    /// Per stream, its unfinished line.
    unfinished: [Option<LogLine>; 2],
    dropped: u64,
}

impl JobLog {
    /// Takes in lines in the order they came, dropping the oldest beyond
    /// the cap; a redraw replaces its stream's unfinished line.
    /// `dropped_before` counts lines the engine already dropped before
    /// these.
    pub fn extend(&mut self, lines: impl IntoIterator<Item = LogLine>, dropped_before: u64) {
        self.dropped += dropped_before;
        for line in lines {
            let slot = &mut self.unfinished[line.stream.index()];
            match line.status {
                LineStatus::Unfinished => {
                    *slot = (!line.text.is_empty()).then_some(line);
                    continue;
                }
                LineStatus::Finished => *slot = None,
                LineStatus::Standalone => {}
            }
            if self.lines.len() == LOG_LINES_KEPT {
                self.lines.pop_front();
                self.dropped += 1;
            }
            self.lines.push_back(line);
        }
    }

    /// The kept lines' texts, oldest first, unfinished ones last.
    pub fn lines(&self) -> impl DoubleEndedIterator<Item = &str> {
        self.entries().map(|line| line.text.as_str())
    }

    /// The kept lines, oldest first, unfinished ones last.
    pub fn entries(&self) -> impl DoubleEndedIterator<Item = &LogLine> {
        self.lines.iter().chain(self.unfinished_lines())
    }

    /// The lines that ended (or stood alone), oldest first.
    pub fn finished(&self) -> &VecDeque<LogLine> {
        &self.lines
    }

    /// The streams' unfinished lines, stdout's first.
    pub fn unfinished_lines(&self) -> impl DoubleEndedIterator<Item = &LogLine> {
        self.unfinished.iter().flatten()
    }

    /// How many lines were dropped, by the engine or by the cap.
    #[must_use]
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Number of kept lines, unfinished ones included.
    #[must_use]
    pub fn len(&self) -> usize {
        self.lines.len() + self.unfinished_lines().count()
    }

    /// Whether no line is kept.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Everything a view shows about one job.
#[derive(Clone, Debug)]
pub struct JobView {
    /// The job's id.
    pub id: JobId,
    /// What it runs and how it is scheduled, as submitted; Retry submits it
    /// again.
    pub spec: Arc<JobSpec>,
    /// A number unique on this board, in the order jobs were added; views
    /// derive a stable colour from it.
    pub seq: u64,
    /// Where it stands.
    pub lifecycle: Lifecycle,
    /// Its latest progress in `0.0..=1.0` (back to 0 when a retry starts).
    pub progress: f32,
    /// Runs so far (0 before the first start).
    pub attempt: u32,
    /// The worker thread its latest attempt ran on, kept after it ends;
    /// `None` before it started and for a remote job.
    pub worker: Option<usize>,
    /// The error of the last failed attempt that was retried.
    pub last_retry_error: Option<String>,
    /// Whether it was asked to pause; a retry's next attempt starts paused
    /// too, as the engine starts it.
    pub pause_requested: bool,
    /// Its priority in the queue (higher starts first): its spec's, until
    /// changed while it waits.
    pub priority: i32,
    /// When it was added.
    pub submitted: Instant,
    /// Its newest log lines.
    pub log: JobLog,
    /// Where its current (or last) run is, for a job a remote executor
    /// runs: the newest placement its executor reported. `None` for local
    /// jobs, and for a remote attempt not placed yet.
    pub placement: Option<Placement>,
    /// Its plot series, in the order they first appeared.
    pub series: Vec<Series>,
    /// Each series' place in `series`, by name (the engine bounds how many
    /// a job has; see `engine::MAX_SERIES_PER_JOB`).
    series_index: HashMap<Arc<str>, usize>,
    /// The batch it counts towards and its share in that batch's mean (its
    /// progress while live, 1 once ended); see
    /// [`Board::overall`](super::Board::overall).
    pub(crate) batch: u64,
    pub(crate) batch_credit: f32,
}

impl JobView {
    pub(crate) fn new(id: JobId, spec: Arc<JobSpec>, seq: u64, now: Instant) -> Self {
        let priority = spec.priority;
        Self {
            id,
            spec,
            seq,
            lifecycle: Lifecycle::Queued,
            progress: 0.0,
            attempt: 0,
            worker: None,
            last_retry_error: None,
            pause_requested: false,
            priority,
            submitted: now,
            log: JobLog::default(),
            placement: None,
            series: Vec::new(),
            series_index: HashMap::new(),
            batch: 0,
            batch_credit: 0.0,
        }
    }

    /// Its name (its spec's).
    #[must_use]
    pub fn name(&self) -> &str {
        &self.spec.name
    }

    /// The series named `name`, created if new. Found through an index, so
    /// a job with many series costs no scan per sample batch.
    pub(crate) fn series_mut(&mut self, name: &Arc<str>) -> &mut Series {
        let index = *self
            .series_index
            .entry(Arc::clone(name))
            .or_insert_with(|| {
                self.series.push(Series::new(Arc::clone(name)));
                self.series.len() - 1
            });
        &mut self.series[index]
    }

    /// Plot points kept across all its series.
    #[must_use]
    pub fn points_kept(&self) -> usize {
        self.series.iter().map(Series::len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_keeps_the_newest_lines_and_counts_the_rest() {
        let mut log = JobLog::default();
        log.extend(
            (0..LOG_LINES_KEPT + 5).map(|i| format!("line {i}").into()),
            3,
        );
        assert_eq!(log.len(), LOG_LINES_KEPT);
        assert_eq!(log.dropped(), 8);
        assert_eq!(log.lines().next(), Some("line 5"));
        assert_eq!(
            log.lines().last(),
            Some(format!("line {}", LOG_LINES_KEPT + 4).as_str())
        );
    }

    #[test]
    fn a_redraw_replaces_its_streams_unfinished_line_which_stays_last() {
        use crate::engine::Stream;
        let line = |text: &str, stream, status| LogLine {
            text: text.into(),
            stream,
            status,
            ..LogLine::default()
        };
        let mut log = JobLog::default();
        log.extend(
            [
                line(" 10%", Stream::Stderr, LineStatus::Unfinished),
                line("compiling", Stream::Stdout, LineStatus::Finished),
                line(" 50%", Stream::Stderr, LineStatus::Unfinished),
                line("partial", Stream::Stdout, LineStatus::Unfinished),
                line("note", Stream::Stdout, LineStatus::Standalone),
            ],
            0,
        );
        assert_eq!(
            log.lines().collect::<Vec<_>>(),
            ["compiling", "note", "partial", " 50%"]
        );
        assert_eq!(log.len(), 4);
        log.extend(
            [
                line("100%", Stream::Stderr, LineStatus::Finished),
                line("", Stream::Stdout, LineStatus::Unfinished),
            ],
            0,
        );
        assert_eq!(
            log.lines().collect::<Vec<_>>(),
            ["compiling", "note", "100%"],
            "the bar ended in place; an empty redraw takes the line back"
        );
    }

    #[test]
    fn series_are_found_by_name_in_the_order_they_appeared() {
        let spec = JobSpec::new(
            "j",
            crate::jobspec::JobKind::Demo(crate::jobs::DemoJob::Steps(
                crate::jobs::Steps::default(),
            )),
        );
        let mut job = JobView::new(JobId::new(), Arc::new(spec), 0, Instant::now());
        let names: Vec<Arc<str>> = (0..64).map(|i| Arc::from(format!("s{i}"))).collect();
        for round in 0..3 {
            for name in &names {
                job.series_mut(&Arc::from(&**name))
                    .extend(&[[f64::from(round), 0.0]]);
            }
        }
        assert_eq!(job.series.len(), 64);
        assert_eq!(&**job.series[5].name(), "s5");
        assert_eq!(job.points_kept(), 64 * 3);
    }

    #[test]
    fn a_running_job_with_a_stop_request_is_stopping_for_the_time_since() {
        let t0 = Instant::now();
        let running = Lifecycle::Running {
            worker: Some(1),
            started: t0,
            attempt: 1,
            stop_requested: Some(t0 + Duration::from_secs(2)),
            paused: true,
        };
        assert_eq!(
            running.class(),
            StateClass::Stopping,
            "a stop wins over a pause: the job is let go to end"
        );
        assert_eq!(
            running.stopping_for(t0 + Duration::from_secs(5)),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            running.elapsed(t0 + Duration::from_secs(5)),
            Some(Duration::from_secs(5))
        );
    }
}
