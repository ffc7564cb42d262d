//! The bucket memory: a point and an occupied flag per bucket. A write stores a point and
//! marks the bucket occupied; emptying clears the flag (and wins over a write to the same
//! bucket on the same edge). The two read ports show, one edge later, what their address held
//! before that edge, except port A's flag, which is its address's flag after that edge; the
//! probe shows, one edge later, the flag its address had before it.

use num_bigint::BigUint;

#[derive(Clone, Debug, Default)]
pub struct BucketMemoryInputs {
    pub write: Option<(usize, BigUint)>,
    pub empty: Option<usize>,
    pub probe_address: usize,
    pub read_a_address: usize,
    pub read_b_address: usize,
}

/// A registered read: `None` where the memory was never written (value) or never written nor
/// emptied (flag), which the hardware leaves undefined.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadPort {
    pub value: Option<BigUint>,
    pub occupied: Option<bool>,
}

#[derive(Clone, Debug)]
pub struct BucketMemory {
    values: Vec<Option<BigUint>>,
    occupied: Vec<Option<bool>>,
    pub read_a: ReadPort,
    pub read_b: ReadPort,
    /// The registered probe: `None` where the flag was never set.
    pub probe: Option<bool>,
}

impl BucketMemory {
    pub fn new(buckets: usize) -> Self {
        BucketMemory {
            values: vec![None; buckets],
            occupied: vec![None; buckets],
            read_a: ReadPort::default(),
            read_b: ReadPort::default(),
            probe: None,
        }
    }

    pub fn tick(&mut self, i: &BucketMemoryInputs) {
        let read = |m: &Self, a: usize| ReadPort {
            value: m.values[a].clone(),
            occupied: m.occupied[a],
        };
        self.read_a = read(self, i.read_a_address);
        self.read_b = read(self, i.read_b_address);
        self.probe = self.occupied[i.probe_address];
        if let Some((a, v)) = &i.write {
            self.values[*a] = Some(v.clone());
            self.occupied[*a] = Some(true);
        }
        if let Some(a) = i.empty {
            self.occupied[a] = Some(false);
        }
        self.read_a.occupied = self.occupied[i.read_a_address];
    }
}
