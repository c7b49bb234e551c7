//! The jobs the pool knows, by id and by slot.
//!
//! Live jobs sit in a slab, so the hot path (dispatch, completion) reaches
//! an entry by its slot number without hashing; the id index maps every id
//! the pool has seen to where it is while it lives and to how it ended after.
//!
//! Jobs with a random id are indexed on demand: they are listed when they
//! enter the slab or end, and the first lookup by id after that indexes
//! everything listed. A pool running a stream of such jobs that nobody asks
//! about by id never hashes them. Express jobs with a chosen id are indexed
//! when submitted, as [`Place::Express`], because their ids must be checked:
//! one hash operation per id (a second one comes with the first lookup by
//! id after the job ended, as for random ids). Their submitter pushes them
//! into the inbox after it has released the lock; until then a lookup does
//! not find them, as if their submission had not reached the pool yet.

use super::entry::Entry;
use crate::engine::{JobId, JobIdMap, OutcomeKind};

/// A live job's place in the slab. Reused once the job ends.
pub(crate) type Slot = u32;

#[derive(Clone, Copy)]
pub(crate) enum Place {
    /// In the slab.
    Live(Slot),
    /// In the express lane: the inbox, or a desk, or ended there and not
    /// filed yet (see `express`).
    Express,
    Ended(OutcomeKind),
}

#[derive(Default)]
pub(crate) struct Registry {
    /// Every id indexed so far: one small record per job for the pool's
    /// lifetime, which later dependencies and `Pool::state` are checked
    /// against.
    index: JobIdMap<Place>,
    slab: Vec<Option<Entry>>,
    free: Vec<Slot>,
    /// Slots of jobs that entered the slab unindexed (a slot may have been
    /// reused since; its entry's `indexed` flag tells).
    unindexed: Vec<Slot>,
    /// Jobs that ended unindexed.
    ended_unindexed: Vec<(JobId, OutcomeKind)>,
}

impl Registry {
    /// Indexes every job listed as unindexed, so lookups by id see them.
    fn catch_up(&mut self) {
        for slot in self.unindexed.drain(..) {
            if let Some(Some(entry)) = self.slab.get_mut(slot as usize)
                && !entry.indexed
            {
                entry.indexed = true;
                self.index.insert(entry.id, Place::Live(slot));
            }
        }
        for (id, kind) in self.ended_unindexed.drain(..) {
            self.index.insert(id, Place::Ended(kind));
        }
    }

    /// Where `id` is, as far as the index knows.
    pub(crate) fn place(&mut self, id: &JobId) -> Option<Place> {
        self.catch_up();
        self.index.get(id).copied()
    }

    /// The slot of a live job in the slab.
    pub(crate) fn slot(&mut self, id: &JobId) -> Option<Slot> {
        match self.place(id)? {
            Place::Live(slot) => Some(slot),
            Place::Express | Place::Ended(_) => None,
        }
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

    /// Makes room for `more` ids in the index.
    pub(crate) fn reserve(&mut self, more: usize) {
        self.catch_up();
        self.index.reserve(more);
    }

    /// Records that a checked, chosen id entered the express lane. Returns
    /// false, changing nothing, if the index knows it already.
    pub(crate) fn add_express(&mut self, id: JobId) -> bool {
        match self.index.entry(id) {
            std::collections::hash_map::Entry::Occupied(_) => false,
            std::collections::hash_map::Entry::Vacant(vacant) => {
                vacant.insert(Place::Express);
                true
            }
        }
    }

    /// Forgets express ids added by [`add_express`](Self::add_express) for
    /// a batch that was refused.
    pub(crate) fn remove_express(&mut self, ids: impl IntoIterator<Item = JobId>) {
        for id in ids {
            self.index.remove(&id);
        }
    }

    /// Adds a live job whose id was checked (or is a fresh random one,
    /// when `index` is false: it is then indexed when somebody first looks a
    /// job up by id).
    pub(crate) fn insert(&mut self, mut entry: Entry, index: bool) -> Slot {
        let slot = self.free.pop().unwrap_or_else(|| {
            self.slab.push(None);
            // A slab of 2^32 live jobs would need terabytes first.
            Slot::try_from(self.slab.len() - 1).unwrap_or(Slot::MAX)
        });
        entry.indexed = index;
        if index {
            self.index.insert(entry.id, Place::Live(slot));
        } else {
            self.unindexed.push(slot);
        }
        self.slab[slot as usize] = Some(entry);
        slot
    }

    /// Takes a live job out of its slot, which stays its own until
    /// [`put_back`](Self::put_back) or [`release`](Self::release).
    pub(crate) fn take_out(&mut self, slot: Slot) -> Option<Entry> {
        self.slab.get_mut(slot as usize)?.take()
    }

    /// Puts a job taken out back into its slot.
    pub(crate) fn put_back(&mut self, slot: Slot, entry: Entry) {
        self.slab[slot as usize] = Some(entry);
    }

    /// Frees the slot of a job taken out for good, recording how it ended.
    pub(crate) fn release(&mut self, slot: Slot, id: JobId, indexed: bool, kind: OutcomeKind) {
        self.free.push(slot);
        if indexed {
            self.index.insert(id, Place::Ended(kind));
        } else {
            self.ended_unindexed.push((id, kind));
        }
    }

    /// Records how a job that never entered the slab ended (an express job
    /// that ended on a desk, or one skipped at admission).
    pub(crate) fn note_ended(&mut self, id: JobId, kind: OutcomeKind) {
        self.ended_unindexed.push((id, kind));
    }
}
