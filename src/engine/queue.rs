//! The ready queue: higher priority first, then submission order.

use std::collections::VecDeque;

use super::scheduler::Slot;

/// Ready jobs, one FIFO per priority, each sorted by submission number.
///
/// Removal is lazy: a cancelled or re-prioritised job's old place stays in
/// its FIFO until it reaches the front, where the scheduler sees that the job
/// is no longer queued there and skips it. That keeps push and pop O(1) in the
/// common case (one priority, jobs arriving in order), which is most of what
/// a busy pool does; `len` counts only the places still valid.
///
/// The priorities in use are few (most pools use one), so they sit in a
/// short vector, highest first, rather than in a tree.
#[derive(Default)]
pub(crate) struct ReadyQueue {
    classes: Vec<(i32, VecDeque<(u64, Slot)>)>,
    len: usize,
}

impl ReadyQueue {
    /// Queued jobs (not counting stale places).
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Queues `id` with its priority and submission number.
    pub(crate) fn push(&mut self, priority: i32, seq: u64, slot: Slot) {
        let at = self
            .classes
            .iter()
            .position(|(class, _)| *class <= priority)
            .unwrap_or(self.classes.len());
        if self
            .classes
            .get(at)
            .is_none_or(|(class, _)| *class != priority)
        {
            self.classes.insert(at, (priority, VecDeque::new()));
        }
        let fifo = &mut self.classes[at].1;
        // Jobs usually arrive in order; a retry or a released dependent may
        // belong further forward.
        if fifo.back().is_none_or(|&(last, _)| last < seq) {
            fifo.push_back((seq, slot));
        } else {
            let at = fifo.partition_point(|&(other, _)| other < seq);
            fifo.insert(at, (seq, slot));
        }
        self.len += 1;
    }

    /// The front place: `(priority, seq, slot)`. The caller checks that the job
    /// is still queued there and calls [`taken`](Self::taken) if so.
    pub(crate) fn pop_place(&mut self) -> Option<(i32, u64, Slot)> {
        if self.len == 0 {
            return None;
        }
        self.classes
            .iter_mut()
            .find_map(|(priority, fifo)| fifo.pop_front().map(|(seq, slot)| (*priority, seq, slot)))
    }

    /// The front place, which may be stale (see
    /// [`pop_place`](Self::pop_place)), without taking it.
    pub(crate) fn front_place(&self) -> Option<(i32, u64, Slot)> {
        if self.len == 0 {
            return None;
        }
        self.classes
            .iter()
            .find_map(|(priority, fifo)| fifo.front().map(|&(seq, slot)| (*priority, seq, slot)))
    }

    /// A popped place was valid: one job fewer is queued.
    pub(crate) fn taken(&mut self) {
        self.forget_one();
    }

    /// A queued job left the queue by another way (cancelled, or moved to
    /// another priority); its place goes stale.
    pub(crate) fn forget_one(&mut self) {
        self.len -= 1;
        if self.len == 0 {
            // Only stale places are left: drop them now rather than let
            // them pile up.
            for (_, fifo) in &mut self.classes {
                fifo.clear();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(queue: &mut ReadyQueue) -> Vec<(i32, u64)> {
        std::iter::from_fn(|| {
            let (priority, seq, _) = queue.pop_place()?;
            queue.taken();
            Some((priority, seq))
        })
        .collect()
    }

    #[test]
    fn priority_first_then_submission_order() {
        let mut queue = ReadyQueue::default();
        for (priority, seq) in [(0, 1), (5, 2), (0, 0), (5, 3), (-1, 4), (5, 1)] {
            queue.push(priority, seq, 0);
        }
        assert_eq!(
            drain(&mut queue),
            [(5, 1), (5, 2), (5, 3), (0, 0), (0, 1), (-1, 4)]
        );
        assert_eq!(queue.len(), 0);
    }

    #[test]
    fn forgetting_the_last_valid_place_drops_stale_ones() {
        let mut queue = ReadyQueue::default();
        queue.push(0, 0, 0);
        queue.push(0, 1, 1);
        queue.forget_one();
        queue.forget_one();
        assert_eq!(queue.pop_place(), None);
        assert!(queue.classes.iter().all(|(_, fifo)| fifo.is_empty()));
    }
}
