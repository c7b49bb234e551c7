//! The order of the table's rows: submission order, or by a column, either
//! way.

use std::cmp::Ordering;
use std::time::Instant;

use super::super::natural::natural_cmp;
use crate::board::JobView;

/// A column the table can be sorted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SortKey {
    /// The job's name, in natural order ("walk 2" before "walk 10").
    Name,
    /// Its state, in the order the counts are shown (queued first).
    State,
    /// Its progress.
    Progress,
    /// Its worker's number, then remote jobs by where they run.
    Where,
    /// How long it ran (jobs that never ran last).
    Elapsed,
    /// Its priority in the queue, highest (first to start) first.
    Priority,
}

impl SortKey {
    /// Whether rows move by this key while nothing but time and progress
    /// changes: such an order is refreshed once a clock tick, not on every
    /// event, so rows hold still long enough to be read and clicked.
    pub(crate) fn is_live(self) -> bool {
        matches!(self, Self::Progress | Self::Where | Self::Elapsed)
    }

    /// Whether a job's state (or priority) changing can move it.
    pub(crate) fn follows_states(self) -> bool {
        !matches!(self, Self::Name)
    }

    /// The column's name, as its header says it.
    pub(crate) fn title(self) -> &'static str {
        match self {
            Self::Name => "Name",
            Self::State => "State",
            Self::Progress => "Progress",
            Self::Where => "Where",
            Self::Elapsed => "Elapsed",
            Self::Priority => "Priority",
        }
    }

    /// Compares two jobs by this key, ascending; ties are left to the
    /// caller's stable sort, which keeps them in submission order.
    fn compare(self, a: &JobView, b: &JobView, now: Instant) -> Ordering {
        match self {
            Self::Name => natural_cmp(a.name(), b.name()),
            Self::State => a
                .lifecycle
                .class()
                .index()
                .cmp(&b.lifecycle.class().index()),
            Self::Progress => a.progress.total_cmp(&b.progress),
            Self::Where => where_cmp(a, b),
            // A job that never ran sorts after every job that did.
            Self::Elapsed => match (a.lifecycle.elapsed(now), b.lifecycle.elapsed(now)) {
                (Some(a), Some(b)) => a.cmp(&b),
                (a, b) => b.is_some().cmp(&a.is_some()),
            },
            Self::Priority => b.priority.cmp(&a.priority),
        }
    }
}

/// Local workers by number, then remote jobs by executor and their
/// cluster's id for them, then jobs that never ran.
fn where_cmp(a: &JobView, b: &JobView) -> Ordering {
    let rank = |job: &JobView| match (job.worker, &job.placement) {
        (Some(_), _) => 0,
        (None, Some(_)) => 1,
        (None, None) => 2,
    };
    rank(a)
        .cmp(&rank(b))
        .then_with(|| match (a.worker, b.worker) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => match (&a.placement, &b.placement) {
                (Some(x), Some(y)) => natural_cmp(&x.executor, &y.executor).then_with(|| {
                    natural_cmp(
                        x.remote_id.as_deref().unwrap_or(""),
                        y.remote_id.as_deref().unwrap_or(""),
                    )
                }),
                _ => Ordering::Equal,
            },
        })
}

/// How the table is sorted: by a column, one way or the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Sort {
    /// The column.
    pub key: SortKey,
    /// Largest (or last) first.
    pub descending: bool,
}

impl Sort {
    /// What a click on `key`'s header makes of `current`: sorted by it,
    /// then reversed, then back to submission order.
    pub(crate) fn clicked(current: Option<Self>, key: SortKey) -> Option<Self> {
        match current {
            Some(sort) if sort.key == key && !sort.descending => Some(Self {
                key,
                descending: true,
            }),
            Some(sort) if sort.key == key => None,
            _ => Some(Self {
                key,
                descending: false,
            }),
        }
    }

    /// Sorts `rows` (indices into `jobs`, in submission order) stably.
    pub(crate) fn apply(self, jobs: &[JobView], rows: &mut [usize], now: Instant) {
        rows.sort_by(|&a, &b| {
            let order = self.key.compare(&jobs[a], &jobs[b], now);
            if self.descending {
                order.reverse()
            } else {
                order
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::board::Board;
    use crate::engine::{Event, EventKind, JobId};
    use crate::jobs::{DemoJob, Steps};
    use crate::jobspec::{JobKind, JobSpec};

    fn board(names: &[&str]) -> Board {
        let now = Instant::now();
        let mut board = Board::new_at(now);
        for name in names {
            let spec = JobSpec::new(*name, JobKind::Demo(DemoJob::Steps(Steps::default())));
            board.add_job(JobId::new(), Arc::new(spec), now);
        }
        board
    }

    fn sorted_names(board: &Board, sort: Sort) -> Vec<&str> {
        let mut rows: Vec<usize> = (0..board.jobs().len()).collect();
        sort.apply(board.jobs(), &mut rows, Instant::now());
        rows.iter().map(|&i| board.jobs()[i].name()).collect()
    }

    #[test]
    fn names_sort_naturally_both_ways() {
        let board = board(&["walk 10", "walk 2", "walk 1"]);
        let up = Sort::clicked(None, SortKey::Name).unwrap();
        assert_eq!(sorted_names(&board, up), ["walk 1", "walk 2", "walk 10"]);
        let down = Sort::clicked(Some(up), SortKey::Name).unwrap();
        assert_eq!(sorted_names(&board, down), ["walk 10", "walk 2", "walk 1"]);
        assert_eq!(Sort::clicked(Some(down), SortKey::Name), None);
        assert_eq!(
            Sort::clicked(Some(down), SortKey::State),
            Some(Sort {
                key: SortKey::State,
                descending: false
            })
        );
    }

    #[test]
    fn ties_keep_submission_order_and_jobs_that_never_ran_go_last() {
        let mut board = board(&["a", "b", "c"]);
        let now = Instant::now();
        let c = board.jobs()[2].id;
        let started = EventKind::Started {
            worker: Some(3),
            attempt: 1,
        };
        board.apply_at(
            Event {
                job: c,
                kind: started,
            },
            now,
        );
        let by_state = Sort::clicked(None, SortKey::State).unwrap();
        assert_eq!(sorted_names(&board, by_state), ["a", "b", "c"]);
        let by_elapsed = Sort::clicked(None, SortKey::Elapsed).unwrap();
        assert_eq!(sorted_names(&board, by_elapsed), ["c", "a", "b"]);
        let by_where = Sort::clicked(None, SortKey::Where).unwrap();
        assert_eq!(sorted_names(&board, by_where), ["c", "a", "b"]);
    }
}
