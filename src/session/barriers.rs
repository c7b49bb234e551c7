//! The barriers a session submitted: their events are kept back, and a job
//! skipped because of one is reported as skipped because of the member of
//! the batch that did not succeed.

use crate::board::{Board, StateClass};
use crate::engine::{Event, EventKind, JobId, JobIdMap, Outcome};
use crate::jobspec::Barrier;

/// Where one barrier stands.
enum State {
    /// Waiting for (or running after) its members.
    Waiting { members: Vec<JobId> },
    /// It did not succeed; jobs skipped because of it are skipped because
    /// of `because`, a member of its batch.
    Failed { because: JobId },
}

/// Every barrier that has not succeeded (yet).
#[derive(Default)]
pub(super) struct Barriers {
    states: JobIdMap<State>,
}

impl Barriers {
    /// Starts tracking `barrier`.
    pub(super) fn add(&mut self, barrier: Barrier) {
        self.states.insert(
            barrier.id,
            State::Waiting {
                members: barrier.members,
            },
        );
    }

    /// Takes `event` if it is a barrier's: returns whether it was. A
    /// barrier that succeeded is forgotten (no job can be skipped because of
    /// it); one that did not remembers whom to blame.
    pub(super) fn absorb(&mut self, event: &Event, board: &Board) -> bool {
        if self.states.is_empty() {
            return false;
        }
        let Some(state) = self.states.get_mut(&event.job) else {
            return false;
        };
        if let EventKind::Finished(outcome) = &event.kind {
            match (outcome, &*state) {
                (Outcome::Succeeded(_), _) => {
                    self.states.remove(&event.job);
                }
                (Outcome::Skipped { because }, _) => *state = State::Failed { because: *because },
                (_, State::Waiting { members }) => {
                    // A barrier always has members; should one have none,
                    // its dependents are blamed on the barrier itself.
                    let because = blame(members, board).unwrap_or(event.job);
                    *state = State::Failed { because };
                }
                (_, State::Failed { .. }) => {}
            }
        }
        true
    }

    /// When `event` skips a job because of a barrier, names the batch
    /// member to blame instead (an id the consumer knows).
    pub(super) fn explain(&self, event: &mut Event, board: &Board) {
        let EventKind::Finished(Outcome::Skipped { because }) = &mut event.kind else {
            return;
        };
        match self.states.get(because) {
            Some(State::Failed { because: member }) => *because = *member,
            Some(State::Waiting { members }) => {
                if let Some(member) = blame(members, board) {
                    *because = member;
                }
            }
            None => {}
        }
    }
}

/// The member of a batch that kept its barrier from succeeding: the first
/// that ended otherwise than succeeded, else the first still live (a
/// barrier cancelled by Stop all while its batch ran).
fn blame(members: &[JobId], board: &Board) -> Option<JobId> {
    let class = |id: &JobId| board.job(*id).map(|job| job.lifecycle.class());
    members
        .iter()
        .find(|id| {
            class(id).is_some_and(|class| class.is_ended() && class != StateClass::Succeeded)
        })
        .or_else(|| {
            members
                .iter()
                .find(|id| class(id).is_some_and(|class| !class.is_ended()))
        })
        .or(members.first())
        .copied()
}
