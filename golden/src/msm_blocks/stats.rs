//! The statistics block: six 32-bit event counters that count up by one per cycle their event
//! is signalled, wrap at 2^32, and are cleared together (a clear wins over counting).

#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// In port order: cycles, accumulation cycles, bucket additions, hazards, stalls, additions.
    pub counters: [u32; 6],
}

impl Stats {
    pub fn tick(&mut self, clear: bool, events: [bool; 6]) {
        for (c, e) in self.counters.iter_mut().zip(events) {
            *c = if clear {
                0
            } else {
                c.wrapping_add(u32::from(e))
            };
        }
    }
}
