//! The jobs the pool knows, by id and by slot.
//!
//! Live jobs sit in a slab, so the hot path (dispatch, completion) reaches
//! an entry by its slot number without hashing; the id index maps every id
//! the pool has seen to its slot while it lives and to how it ended after.

use super::Entry;
use crate::engine::{JobId, JobIdMap, OutcomeKind};

/// A live job's place in the slab. Reused once the job ends.
pub(crate) type Slot = u32;

#[derive(Clone, Copy)]
enum Place {
    Live(Slot),
    Ended(OutcomeKind),
}

#[derive(Default)]
pub(crate) struct Jobs {
    /// Every id ever admitted: one small record per job for the pool's
    /// lifetime, which later dependencies and `Pool::state` are checked
    /// against.
    index: JobIdMap<Place>,
    slab: Vec<Option<Entry>>,
    free: Vec<Slot>,
}

impl Jobs {
    /// Whether the pool has seen `id`, live or ended.
    pub(crate) fn is_known(&self, id: &JobId) -> bool {
        self.index.contains_key(id)
    }

    /// How `id` ended, if it has.
    pub(crate) fn ended(&self, id: &JobId) -> Option<OutcomeKind> {
        match self.index.get(id)? {
            Place::Ended(kind) => Some(*kind),
            Place::Live(_) => None,
        }
    }

    /// The slot of a live job.
    pub(crate) fn slot(&self, id: &JobId) -> Option<Slot> {
        match self.index.get(id)? {
            Place::Live(slot) => Some(*slot),
            Place::Ended(_) => None,
        }
    }

    pub(crate) fn get(&self, id: &JobId) -> Option<&Entry> {
        self.at(self.slot(id)?)
    }

    pub(crate) fn get_mut(&mut self, id: &JobId) -> Option<&mut Entry> {
        self.at_mut(self.slot(id)?)
    }

    pub(crate) fn at(&self, slot: Slot) -> Option<&Entry> {
        self.slab.get(slot as usize)?.as_ref()
    }

    pub(crate) fn at_mut(&mut self, slot: Slot) -> Option<&mut Entry> {
        self.slab.get_mut(slot as usize)?.as_mut()
    }

    /// Live entries, in no particular order.
    pub(crate) fn live(&self) -> impl Iterator<Item = &Entry> {
        self.slab.iter().flatten()
    }

    /// Adds a live job; gives it back if its id is already known.
    pub(crate) fn insert(&mut self, entry: Entry) -> Result<Slot, Box<Entry>> {
        let slot = self.free.pop().unwrap_or_else(|| {
            self.slab.push(None);
            Slot::try_from(self.slab.len() - 1).expect("fewer than 2^32 live jobs")
        });
        match self.index.entry(entry.id) {
            std::collections::hash_map::Entry::Occupied(_) => {
                self.free.push(slot);
                Err(Box::new(entry))
            }
            std::collections::hash_map::Entry::Vacant(vacant) => {
                vacant.insert(Place::Live(slot));
                self.slab[slot as usize] = Some(entry);
                Ok(slot)
            }
        }
    }

    /// Takes a live job out of the slab. Its id stays known as live until
    /// [`set_ended`](Self::set_ended), which the caller does next.
    pub(crate) fn take(&mut self, slot: Slot) -> Entry {
        let entry = self.slab[slot as usize]
            .take()
            .expect("a taken slot holds a live job");
        self.free.push(slot);
        entry
    }

    /// Records how `id` ended.
    pub(crate) fn set_ended(&mut self, id: JobId, kind: OutcomeKind) {
        self.index.insert(id, Place::Ended(kind));
    }
}
