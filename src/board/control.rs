//! What a person changed of a live job that no event reports: a pause and
//! a priority. The caller records them here once the engine took them
//! (see [`Session::set_job_paused`](crate::session::Session::set_job_paused)).

use crate::engine::JobId;

use super::{Board, Lifecycle};

impl Board {
    /// Records that `id` was asked to pause (`true`) or resume. A running
    /// job shows as paused at once; a queued one (a retry waiting for its
    /// next attempt) starts paused. Returns whether the job is live here.
    pub fn set_paused(&mut self, id: JobId, paused: bool) -> bool {
        let Some(&i) = self.index.get(&id) else {
            return false;
        };
        let job = &mut self.jobs[i];
        let before = job.lifecycle.class();
        if before.is_ended() {
            return false;
        }
        job.pause_requested = paused;
        if let Lifecycle::Running { paused: shown, .. } = &mut job.lifecycle {
            *shown = paused;
        }
        let after = job.lifecycle.class();
        self.version += 1;
        self.move_count(before, after);
        true
    }

    /// Records `id`'s new priority in the queue. Returns whether the job is
    /// live here.
    pub fn set_priority(&mut self, id: JobId, priority: i32) -> bool {
        let Some(&i) = self.index.get(&id) else {
            return false;
        };
        let job = &mut self.jobs[i];
        if job.lifecycle.is_ended() {
            return false;
        }
        if job.priority != priority {
            job.priority = priority;
            self.version += 1;
            self.states_version += 1;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Instant;

    use super::*;
    use crate::board::StateClass;
    use crate::engine::{Event, EventKind, Outcome};
    use crate::jobs::{DemoJob, Steps};
    use crate::jobspec::{JobKind, JobSpec};

    fn board_of_one() -> (Board, JobId, Instant) {
        let now = Instant::now();
        let mut board = Board::new_at(now);
        let id = JobId::new();
        let spec = JobSpec::new("j", JobKind::Demo(DemoJob::Steps(Steps::default())));
        board.add_job(id, Arc::new(spec), now);
        (board, id, now)
    }

    fn apply(board: &mut Board, id: JobId, kind: EventKind, now: Instant) {
        board.apply_at(Event { job: id, kind }, now);
    }

    fn started(attempt: u32) -> EventKind {
        EventKind::Started {
            worker: Some(0),
            attempt,
        }
    }

    #[test]
    fn a_paused_running_job_counts_as_paused_until_resumed() {
        let (mut board, id, now) = board_of_one();
        apply(&mut board, id, started(1), now);
        let states = board.states_version();
        assert!(board.set_paused(id, true));
        assert_eq!(board.count(StateClass::Paused), 1);
        assert_eq!(board.count(StateClass::Running), 0);
        assert_eq!(board.live_jobs(), 1, "a paused job is still live");
        assert_ne!(board.states_version(), states);
        assert!(board.set_paused(id, false));
        assert_eq!(board.count(StateClass::Running), 1);
        assert_eq!(board.count(StateClass::Paused), 0);
    }

    #[test]
    fn a_paused_jobs_retry_starts_paused_and_a_stop_wins_over_the_pause() {
        let (mut board, id, now) = board_of_one();
        apply(&mut board, id, started(1), now);
        board.set_paused(id, true);
        let retrying = EventKind::Retrying {
            attempt: 1,
            error: "boom".into(),
        };
        apply(&mut board, id, retrying, now);
        assert_eq!(board.count(StateClass::Queued), 1);
        apply(&mut board, id, started(2), now);
        assert_eq!(board.count(StateClass::Paused), 1);
        let stop = EventKind::StopRequested { timed_out: false };
        apply(&mut board, id, stop, now);
        assert_eq!(board.count(StateClass::Stopping), 1);
        assert_eq!(board.count(StateClass::Paused), 0);
        apply(&mut board, id, EventKind::Finished(Outcome::Stopped), now);
        assert!(!board.set_paused(id, false), "an ended job is left alone");
        assert_eq!(board.count(StateClass::Stopped), 1);
    }

    #[test]
    fn a_new_priority_shows_while_the_job_is_live() {
        let (mut board, id, now) = board_of_one();
        assert_eq!(board.job(id).unwrap().priority, 0);
        let (rows, states) = (board.rows_version(), board.states_version());
        assert!(board.set_priority(id, 3));
        assert_eq!(board.job(id).unwrap().priority, 3);
        assert_eq!(board.rows_version(), rows, "no row came or went");
        assert_ne!(board.states_version(), states);
        apply(&mut board, id, EventKind::Finished(Outcome::Cancelled), now);
        assert!(!board.set_priority(id, 5));
        assert_eq!(board.job(id).unwrap().priority, 3);
        assert!(!board.set_priority(JobId::new(), 1), "an unknown job");
    }

    #[test]
    fn progress_leaves_the_states_version_alone() {
        let (mut board, id, now) = board_of_one();
        apply(&mut board, id, started(1), now);
        let states = board.states_version();
        apply(&mut board, id, EventKind::Progress(0.5), now);
        assert_eq!(board.states_version(), states);
        apply(&mut board, id, EventKind::Finished(Outcome::Stopped), now);
        assert_ne!(board.states_version(), states);
    }
}
