//! The parking FIFO: first in, first out, `depth` entries; a pop and a push on one edge pop
//! first, so a full FIFO can take an entry in the slot it frees.

use num_bigint::BigUint;
use std::collections::VecDeque;

#[derive(Clone, Debug)]
pub struct Fifo {
    depth: usize,
    entries: VecDeque<BigUint>,
}

impl Fifo {
    pub fn new(depth: usize) -> Self {
        Fifo {
            depth,
            entries: VecDeque::new(),
        }
    }

    /// The oldest entry, `None` when empty.
    pub fn head(&self) -> Option<&BigUint> {
        self.entries.front()
    }

    pub fn empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn full(&self) -> bool {
        self.entries.len() == self.depth
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.empty()
    }

    /// The clock edge. Panics on a pop from an empty FIFO or a push into a full one that does
    /// not pop: the controller never does either.
    pub fn tick(&mut self, push: Option<&BigUint>, pop: bool, reset: bool) {
        if reset {
            self.entries.clear();
            return;
        }
        if pop {
            self.entries.pop_front().expect("pop from an empty FIFO");
        }
        if let Some(e) = push {
            assert!(self.entries.len() < self.depth, "push into a full FIFO");
            self.entries.push_back(e.clone());
        }
    }
}
