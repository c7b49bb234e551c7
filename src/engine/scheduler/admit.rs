//! Admission: checking a batch's ids and dependencies, and queueing it.

use std::collections::HashMap;

use super::State;
use super::entry::{Entry, Phase};
use crate::engine::event::Msg;
use crate::engine::hub::Hub;
use crate::engine::{EngineError, Event, EventKind, JobId, JobIdMap, NewJob, Outcome};

/// What [`State::admit`] did with a batch.
pub(crate) enum Admission {
    /// Queued in the slab (or ended at once, skipped).
    Queued,
    /// Express jobs whose chosen ids the index took, for the caller to push
    /// into the express lane once it has released the lock, as it would
    /// jobs with fresh random ids.
    Express(Vec<NewJob>),
}

impl State {
    /// Admits a batch whose members may depend on each other and on jobs
    /// already known. All or nothing: on error nothing was admitted.
    ///
    /// Everything submitted before is settled first (see `settle`), so the
    /// batch comes after it in submission order and its ids and
    /// dependencies are checked against all of it.
    pub(crate) fn admit(
        &mut self,
        hub: &Hub,
        batch: Vec<NewJob>,
    ) -> Result<Admission, EngineError> {
        self.settle();
        if batch.iter().all(NewJob::is_express) {
            self.check_express_ids(&batch)?;
            if self.may_open_express() {
                self.express.open();
                return Ok(Admission::Express(batch));
            }
            for job in batch.into_iter().filter_map(|job| job.into_express().ok()) {
                let seq = self.take_seq();
                let index = job.chosen_id;
                let slot = self.registry.insert(Entry::from_express(job, seq), index);
                self.queue.push(0, seq, slot);
            }
            return Ok(Admission::Queued);
        }
        let order = self.check_batch(&batch)?;
        let mut slots: Vec<Option<NewJob>> = batch.into_iter().map(Some).collect();
        let base_seq = self.next_seq;
        self.next_seq += slots.len() as u64;
        for index in order {
            if let Some(new) = slots[index].take() {
                self.admit_one(hub, new, base_seq + index as u64);
            }
        }
        Ok(Admission::Queued)
    }

    /// Checks the chosen ids of a batch of express jobs, recording each in
    /// the index as it goes: one hash operation per id, which also catches
    /// the batch's own duplicates. Fresh random ids are left out (see
    /// `registry`).
    fn check_express_ids(&mut self, batch: &[NewJob]) -> Result<(), EngineError> {
        let chosen = batch.iter().filter(|job| job.has_chosen_id()).count();
        if chosen == 0 {
            return Ok(());
        }
        let on_desks = self.ids_on_desks();
        self.registry.reserve(chosen);
        for (checked, new) in batch.iter().enumerate() {
            if new.has_chosen_id()
                && (on_desks.contains(&new.id) || !self.registry.add_express(new.id))
            {
                let added = batch[..checked].iter().filter(|job| job.has_chosen_id());
                self.registry.remove_express(added.map(NewJob::id));
                return Err(EngineError::DuplicateId(new.id));
            }
        }
        Ok(())
    }

    /// Ids of the express jobs running on desks. After `settle`, these and
    /// the registry are every job the pool knows.
    fn ids_on_desks(&mut self) -> Vec<JobId> {
        self.express
            .desks()
            .filter_map(|(_, desk)| desk.current.as_ref().map(|run| run.id))
            .collect()
    }

    /// Whether a settled pool knows `id` (see [`ids_on_desks`](Self::ids_on_desks)).
    fn is_known_settled(&mut self, id: &JobId, on_desks: &[JobId]) -> bool {
        self.registry.place(id).is_some() || on_desks.contains(id)
    }

    /// Validates ids and dependencies; returns the batch indices in an order
    /// where every job comes after the batch members it depends on.
    fn check_batch(&mut self, batch: &[NewJob]) -> Result<Vec<usize>, EngineError> {
        let on_desks = self.ids_on_desks();
        let mut index_of = JobIdMap::default();
        for (index, new) in batch.iter().enumerate() {
            let known = self.is_known_settled(&new.id, &on_desks);
            if known || index_of.insert(new.id, index).is_some() {
                return Err(EngineError::DuplicateId(new.id));
            }
        }
        // Kahn's algorithm over the edges inside the batch.
        let mut unmet = vec![0usize; batch.len()];
        let mut waiting_on: HashMap<usize, Vec<usize>> = HashMap::new();
        for (index, new) in batch.iter().enumerate() {
            for dep in &new.options().after {
                if let Some(&dep_index) = index_of.get(dep) {
                    unmet[index] += 1;
                    waiting_on.entry(dep_index).or_default().push(index);
                } else if !self.is_known_settled(dep, &on_desks) {
                    return Err(EngineError::UnknownDependency {
                        job: new.id,
                        dependency: *dep,
                    });
                }
            }
        }
        let mut ready: Vec<usize> = (0..batch.len()).filter(|&i| unmet[i] == 0).collect();
        ready.reverse();
        let mut order = Vec::with_capacity(batch.len());
        while let Some(index) = ready.pop() {
            order.push(index);
            for &next in waiting_on.get(&index).map_or(&[][..], Vec::as_slice) {
                unmet[next] -= 1;
                if unmet[next] == 0 {
                    ready.push(next);
                }
            }
        }
        if order.len() < batch.len() {
            let cycle = (0..batch.len())
                .filter(|&i| unmet[i] > 0)
                .map(|i| batch[i].id)
                .collect();
            return Err(EngineError::DependencyCycle(cycle));
        }
        Ok(order)
    }

    /// Queues (or, with unmet dependencies, parks) one checked job.
    fn admit_one(&mut self, hub: &Hub, new: NewJob, seq: u64) {
        let index = new.has_chosen_id();
        let (id, work, mut options) = new.into_parts();
        let mut after = std::mem::take(&mut options.after);
        after.sort_unstable();
        after.dedup();
        // Dependencies that have not ended yet; `after` keeps them.
        let mut failed_dep = None;
        after.retain(|dep| match self.ended(dep) {
            Some(kind) if kind.is_success() => false,
            Some(_) => {
                failed_dep = failed_dep.or(Some(*dep));
                false
            }
            None => true,
        });
        if let Some(because) = failed_dep {
            let outcome = Outcome::Skipped { because };
            self.registry.note_ended(id, outcome.kind());
            self.announce(
                hub,
                Msg::Event(Event {
                    job: id,
                    kind: EventKind::Finished(outcome),
                }),
            );
            return;
        }
        for dep in &after {
            self.dependents.entry(*dep).or_default().push(id);
        }
        let unmet = after.len();
        let phase = if unmet == 0 {
            Phase::Queued { work }
        } else {
            Phase::Waiting { work, unmet }
        };
        let priority = options.priority;
        let slot = self
            .registry
            .insert(Entry::new(id, &options, seq, phase), index);
        if unmet == 0 {
            self.queue.push(priority, seq, slot);
        }
    }
}
