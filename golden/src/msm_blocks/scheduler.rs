//! The bucket scheduler of the accumulation phase. Each bucket is free or has an addition in
//! the adder. Per cycle, the adder's one slot goes to, in order of preference:
//! 1. the oldest parked point, if its bucket is free;
//! 2. the current point's nonzero digit, if its bucket is free and is not the bucket of the
//!    parked point taking the slot.
//!
//! A current point whose bucket is taken (in the adder, or by the parked point) is parked if
//! the FIFO has room or is freeing a slot this cycle; otherwise it waits. A point whose slot
//! went to a parked point but whose bucket is free waits too. A zero digit needs no slot.
//! When the current point is parked and the slot is still free, the slot goes to the point's
//! next window (the lookahead digit) if that digit is nonzero and its bucket free.
//!
//! `hold`: the slot belongs to the background this cycle; nothing is issued (a point may still
//! be parked).

/// This cycle's inputs.
#[derive(Clone, Debug, Default)]
pub struct SchedulerInputs {
    pub accumulating: bool,
    pub hold: bool,
    pub point_valid: bool,
    pub digit_zero: bool,
    pub point_bucket: usize,
    /// The lookahead: a next window exists, its digit is 0, its bucket.
    pub ahead_valid: bool,
    pub ahead_zero: bool,
    pub ahead_bucket: usize,
    pub parked_waiting: bool,
    pub parked_bucket: usize,
    pub fifo_full: bool,
    /// A bucket whose sum comes back (it becomes free).
    pub done: Option<usize>,
    /// A bucket made free by the clearing walk.
    pub clear: Option<usize>,
}

/// This cycle's decision.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SchedulerOutputs {
    pub issue_parked: bool,
    pub issue_new: bool,
    pub issue_ahead: bool,
    pub park: bool,
    pub advance: bool,
    pub stall: bool,
}

#[derive(Clone, Debug)]
pub struct Scheduler {
    /// `Some(true)`: an addition into the bucket is in the adder; `None`: never set or cleared.
    pub in_flight: Vec<Option<bool>>,
}

impl Scheduler {
    pub fn new(buckets: usize) -> Self {
        Scheduler {
            in_flight: vec![None; buckets],
        }
    }

    fn busy(&self, b: usize) -> bool {
        self.in_flight[b].expect("an in-flight bit read before it was cleared")
    }

    pub fn outputs(&self, i: &SchedulerInputs) -> SchedulerOutputs {
        let mut o = SchedulerOutputs::default();
        if !i.accumulating {
            return o;
        }
        o.issue_parked = !i.hold && i.parked_waiting && !self.busy(i.parked_bucket);
        if i.point_valid {
            if i.digit_zero {
                o.advance = true;
            } else {
                let taken = self.busy(i.point_bucket)
                    || (o.issue_parked && i.parked_bucket == i.point_bucket);
                if !taken && !o.issue_parked && !i.hold {
                    o.issue_new = true;
                } else if taken && (!i.fifo_full || o.issue_parked) {
                    o.park = true;
                    o.issue_ahead = !i.hold
                        && !o.issue_parked
                        && i.ahead_valid
                        && !i.ahead_zero
                        && !self.busy(i.ahead_bucket);
                } else {
                    o.stall = true;
                }
                o.advance = o.issue_new || o.park;
            }
        }
        o
    }

    /// The clock edge: a returning sum frees its bucket, an issue takes one, the walk frees one
    /// (in that order of precedence, the last winning).
    pub fn tick(&mut self, i: &SchedulerInputs) {
        let o = self.outputs(i);
        if let Some(b) = i.done {
            self.in_flight[b] = Some(false);
        }
        if o.issue_parked {
            self.in_flight[i.parked_bucket] = Some(true);
        } else if o.issue_new {
            self.in_flight[i.point_bucket] = Some(true);
        } else if o.issue_ahead {
            self.in_flight[i.ahead_bucket] = Some(true);
        }
        if let Some(b) = i.clear {
            self.in_flight[b] = Some(false);
        }
    }
}
