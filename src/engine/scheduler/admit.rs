//! Admission: checking a batch's ids and dependencies, and queueing it.

use std::collections::HashMap;

use super::{Entry, Phase, State, record_end, send_finished};
use crate::engine::cell::Hub;
use crate::engine::{EngineError, JobIdMap, NewJob, Outcome};

impl State {
    /// Admits a batch whose members may depend on each other and on jobs
    /// already known. All or nothing: on error nothing was admitted.
    pub(crate) fn admit(&mut self, hub: &Hub, batch: Vec<NewJob>) -> Result<(), EngineError> {
        if self.shutting_down {
            return Err(EngineError::ShutDown);
        }
        if batch.iter().all(NewJob::is_fresh) {
            // Random ids and no dependencies: nothing to check.
            for new in batch {
                let seq = self.next_seq;
                self.next_seq += 1;
                self.admit_one(hub, new, seq, true);
            }
            return Ok(());
        }
        let order = self.check_batch(&batch)?;
        let mut slots: Vec<Option<NewJob>> = batch.into_iter().map(Some).collect();
        let base_seq = self.next_seq;
        self.next_seq += slots.len() as u64;
        for index in order {
            let Some(new) = slots[index].take() else {
                continue;
            };
            self.admit_one(hub, new, base_seq + index as u64, false);
        }
        Ok(())
    }

    /// Admits one job; the fast path of [`admit`](Self::admit).
    pub(crate) fn admit_single(&mut self, hub: &Hub, new: NewJob) -> Result<(), EngineError> {
        if self.shutting_down {
            return Err(EngineError::ShutDown);
        }
        let fresh = new.is_fresh();
        if !fresh {
            self.check_single(&new)?;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.admit_one(hub, new, seq, fresh);
        Ok(())
    }

    /// Admits what reached the inbox. Only when the pool does not run fast:
    /// then the inbox is read here alone.
    pub(crate) fn admit_inbox(&mut self) {
        if self.inbox.is_empty() {
            return;
        }
        // An empty vector that keeps its capacity, so a busy pool does not
        // allocate for this.
        let mut jobs = std::mem::take(&mut self.inbox_spare);
        jobs.extend(self.inbox.try_iter());
        // They join the lane when they can: the lane's submission numbers
        // must run on without a gap, so once another job was admitted
        // behind the lane, jobs take the longer way until the lane empties.
        let lane_open =
            self.lane.is_empty() || self.lane_seq + self.lane.len() as u64 == self.next_seq;
        if lane_open {
            if self.lane.is_empty() {
                self.lane_seq = self.next_seq;
            }
            self.next_seq += jobs.len() as u64;
            self.lane.extend(jobs.drain(..));
        } else {
            for new in jobs.drain(..) {
                let seq = self.next_seq;
                self.next_seq += 1;
                self.queue_plain(new, seq);
            }
        }
        self.inbox_spare = jobs;
    }

    /// Validates ids and dependencies; returns the batch indices in an order
    /// where every job comes after the batch members it depends on.
    fn check_batch(&mut self, batch: &[NewJob]) -> Result<Vec<usize>, EngineError> {
        if let [single] = batch {
            // The common case, kept free of allocations beyond the result.
            return self.check_single(single).map(|()| vec![0]);
        }
        let mut index_of = JobIdMap::default();
        for (index, new) in batch.iter().enumerate() {
            let known = self.is_known(&new.id);
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
                } else if !self.is_known(dep) {
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

    fn check_single(&mut self, new: &NewJob) -> Result<(), EngineError> {
        if self.is_known(&new.id) {
            return Err(EngineError::DuplicateId(new.id));
        }
        let missing = new.options().after.iter().find(|dep| !self.is_known(dep));
        match missing {
            Some(dep) if *dep == new.id => Err(EngineError::DependencyCycle(vec![new.id])),
            Some(dep) => Err(EngineError::UnknownDependency {
                job: new.id,
                dependency: *dep,
            }),
            None => Ok(()),
        }
    }

    /// Queues (or, with unmet dependencies, parks) one checked job. `fresh`
    /// jobs (random id, no dependencies) skip the id index until somebody
    /// looks a job up by id: two random v4 ids clash with odds of 1 in
    /// 2^122, so checking them would only cost time.
    fn admit_one(&mut self, hub: &Hub, new: NewJob, seq: u64, fresh: bool) {
        let (id, job, mut options) = new.into_parts();
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
            record_end(&mut self.jobs, hub, id, Outcome::Skipped { because });
            return;
        }
        for dep in &after {
            self.dependents.entry(*dep).or_default().push(id);
        }
        let unmet = after.len();
        let phase = if unmet == 0 {
            Phase::Queued
        } else {
            Phase::Waiting { unmet }
        };
        let priority = options.priority;
        let entry = Entry::new(id, job, &options, seq, phase);
        if fresh {
            let slot = self.jobs.insert_unindexed(entry);
            self.queue.push(priority, seq, slot);
            return;
        }
        match self.jobs.insert(entry) {
            Ok(slot) if unmet == 0 => self.queue.push(priority, seq, slot),
            Ok(_) => {}
            // The id was checked under this same lock, so this is not
            // reached; should it be, the job is reported rather than lost.
            Err(_) => send_finished(
                hub,
                id,
                Outcome::Failed {
                    error: format!("job id {id} is already in use"),
                    exit_code: None,
                },
            ),
        }
    }
}
