//! Job identity.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::hash::{BuildHasherDefault, Hash, Hasher};

use uuid::Uuid;

/// The identity of one job: a random (v4) UUID, unique across runs.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct JobId(Uuid);

/// Hashes the UUID's two halves folded together: in a v4 UUID each half
/// has a few fixed bits (the version in one, the variant in the other), in
/// different places, so the fold is 64 random bits. With [`IdHasher`] that
/// makes hashing nearly free. (The low half alone would leave the variant in
/// the top bits, which the hash table uses as tags: a quarter of the tags
/// would be told apart.)
impl Hash for JobId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let (high, low) = self.0.as_u64_pair();
        state.write_u64(high ^ low);
    }
}

/// A hasher for [`JobId`] keys: the id's random bits are already a good
/// hash, so it passes them through instead of running `SipHash` over them.
/// The pool looks ids up several times per job; this keeps that cheap.
///
/// Keys must be `JobId`s: ids are random, so flooding a table with
/// colliding keys would take choosing ids, which only the pool's own caller
/// can do.
#[derive(Clone, Copy, Debug, Default)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Not reached for `JobId`; any other key still hashes, if slowly.
        for &byte in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 ^= value;
    }
}

/// A `HashMap` keyed by [`JobId`] with the cheap [`IdHasher`].
pub type JobIdMap<V> = HashMap<JobId, V, BuildHasherDefault<IdHasher>>;

/// A `HashSet` of [`JobId`]s with the cheap [`IdHasher`].
pub type JobIdSet = HashSet<JobId, BuildHasherDefault<IdHasher>>;

impl JobId {
    /// A fresh random id: a version 4 UUID.
    ///
    /// The 122 random bits come from the thread's `fastrand` generator
    /// (seeded from the operating system's randomness, different on every
    /// thread and run) rather than a cryptographic one: job ids need to be
    /// unique, not unguessable, and this keeps making one cheap, which
    /// matters when a batch submits a hundred thousand jobs.
    #[must_use]
    pub fn new() -> Self {
        let bytes = fastrand::u128(..).to_le_bytes();
        Self(uuid::Builder::from_random_bytes(bytes).into_uuid())
    }

    /// Wraps an existing UUID (for example one read back from a log).
    #[must_use]
    pub fn from_uuid(uuid: Uuid) -> Self {
        Self(uuid)
    }

    /// The UUID inside.
    #[must_use]
    pub fn as_uuid(&self) -> &Uuid {
        &self.0
    }

    /// The first eight hex digits, enough to tell jobs apart on screen.
    #[must_use]
    pub fn short(&self) -> String {
        let mut text = self.0.simple().to_string();
        text.truncate(8);
        text
    }
}

impl Default for JobId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl fmt::Debug for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JobId({})", self.0.hyphenated())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_version_4_and_distinct_across_threads() {
        let count = if cfg!(miri) { 500 } else { 10_000 };
        let make = move || (0..count).map(|_| JobId::new()).collect::<Vec<_>>();
        let other = std::thread::spawn(make).join().unwrap();
        let mut all = make();
        all.extend(other);
        assert!(all.iter().all(|id| id.as_uuid().get_version_num() == 4));
        assert!(
            all.iter()
                .all(|id| id.as_uuid().get_variant() == uuid::Variant::RFC4122)
        );
        let distinct: JobIdSet = all.iter().copied().collect();
        assert_eq!(distinct.len(), all.len());
    }

    /// Hash tables tell entries apart by the hash's top seven bits first:
    /// all 128 values must occur, or lookups compare far more keys.
    #[test]
    fn hashes_of_fresh_ids_use_their_top_bits() {
        use std::hash::BuildHasher;
        let hasher = std::hash::BuildHasherDefault::<IdHasher>::default();
        let count = if cfg!(miri) { 2_000 } else { 10_000 };
        let tags: HashSet<u64> = (0..count)
            .map(|_| hasher.hash_one(JobId::new()) >> 57)
            .collect();
        assert_eq!(tags.len(), 128);
    }
}
