//! The jobs the pool knows, by id and by slot.
//!
//! Live jobs sit in a slab, so the hot path (dispatch, completion) reaches
//! an entry by its slot number without hashing; the id index maps every id
//! the pool has seen to its slot while it lives and to how it ended after.
//!
//! Jobs submitted without checks (fresh ids, no dependencies) are indexed on
//! demand: they are listed when admitted and when they end, and the first
//! lookup by id after that indexes everything listed. A pool running a
//! stream of such jobs that nobody asks about by id never hashes them.
//! Plain ones (no options at all) do not even get an entry until they start:
//! they wait in the pool's inbox or the scheduler's lane (see
//! `State::settle`), and most run on a worker's desk (see `desk`).

use super::Entry;
use crate::engine::{JobId, JobIdMap, OutcomeKind};

/// A live job's place in the slab. Reused once the job ends.
pub(crate) type Slot = u32;

#[derive(Clone, Copy)]
pub(crate) enum Place {
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
    /// Slots of jobs admitted without being indexed (a slot may have been
    /// reused since; its entry's `indexed` flag tells).
    unindexed: Vec<Slot>,
    /// Jobs that ended without ever being indexed.
    ended_unindexed: Vec<(JobId, OutcomeKind)>,
}

impl Jobs {
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

    /// Where `id` is: live in the slab, or ended. `None` for a job never
    /// admitted, or one that runs on a worker's desk.
    pub(crate) fn place(&mut self, id: &JobId) -> Option<Place> {
        self.catch_up();
        self.index.get(id).copied()
    }

    /// The slot of a live job.
    pub(crate) fn slot(&mut self, id: &JobId) -> Option<Slot> {
        match self.place(id)? {
            Place::Live(slot) => Some(slot),
            Place::Ended(_) => None,
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

    fn free_slot(&mut self) -> Slot {
        self.free.pop().unwrap_or_else(|| {
            self.slab.push(None);
            Slot::try_from(self.slab.len() - 1).expect("fewer than 2^32 live jobs")
        })
    }

    /// Adds a live job whose id cannot clash (a fresh random one), to be
    /// indexed when somebody first looks a job up by id.
    pub(crate) fn insert_unindexed(&mut self, mut entry: Entry) -> Slot {
        let slot = self.free_slot();
        entry.indexed = false;
        self.slab[slot as usize] = Some(entry);
        self.unindexed.push(slot);
        slot
    }

    /// Adds a live job; gives it back if its id is already known.
    pub(crate) fn insert(&mut self, mut entry: Entry) -> Result<Slot, Box<Entry>> {
        self.catch_up();
        let slot = self.free_slot();
        entry.indexed = true;
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

    /// Records how a job taken out of the slab ended, without indexing it
    /// if it never was.
    pub(crate) fn set_ended_lazily(&mut self, entry: &Entry, kind: OutcomeKind) {
        if entry.indexed {
            self.index.insert(entry.id, Place::Ended(kind));
        } else {
            self.note_ended(entry.id, kind);
        }
    }

    /// Records how a job that was never indexed ended (one that ran on a
    /// desk, or was taken out of the slab unindexed).
    pub(crate) fn note_ended(&mut self, id: JobId, kind: OutcomeKind) {
        self.ended_unindexed.push((id, kind));
    }
}
