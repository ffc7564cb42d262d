//! The aggregation and window-combination sequencer.
//!
//! Aggregation computes `S_w = sum_j j B_{w,j}` per window as `R_w += B_{w,j}; S_w += R_w` for
//! `j` from the top bucket `2^(c-1)` down to 1: two additions per bucket, in that order, each
//! on the adder. Windows interleave: each cycle the lowest-numbered window that has buckets
//! left and whose next addition's operands are not in the adder (`R_w` for both, `S_w` too for
//! the second) takes the step.
//!
//! Combination computes `T = sum_w 2^(c w) S_w` by Horner's rule from the top window down:
//! `T += S_{W-1}`, then for every lower window `c` doublings `T += T` and `T += S_w`. One
//! addition per cycle in which `T` is not in the adder.

#[derive(Clone, Debug, Default)]
pub struct SequencerInputs {
    pub start_aggregation: bool,
    pub aggregating: bool,
    pub running_sum_busy: Vec<bool>,
    pub window_sum_busy: Vec<bool>,
    pub start_combination: bool,
    pub combining: bool,
    pub total_busy: bool,
}

/// One aggregation step: window, bucket number j (1-based), and which addition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AggregationStep {
    pub window: usize,
    pub bucket: usize,
    /// `true`: `S_w += R_w`; `false`: `R_w += B_{w,j}`.
    pub to_window_sum: bool,
}

/// One combination addition: `None` for a doubling `T += T`, `Some(w)` for `T += S_w`.
pub type CombinationStep = Option<usize>;

#[derive(Clone, Debug)]
pub struct Sequencer {
    c: usize,
    /// Per window: buckets left (`j`) and whether `S_w += R_w` is next.
    left: Vec<usize>,
    second: Vec<bool>,
    /// The combination additions still to do, in order.
    combination: Vec<CombinationStep>,
}

impl Sequencer {
    /// A sequencer after power-up with no aggregation pending and the combination done.
    pub fn new(c: usize, windows: usize) -> Self {
        Sequencer {
            c,
            left: vec![0; windows],
            second: vec![false; windows],
            combination: vec![],
        }
    }

    pub fn windows(&self) -> usize {
        self.left.len()
    }

    /// Some window has buckets left.
    pub fn aggregation_pending(&self) -> bool {
        self.left.iter().any(|&j| j != 0)
    }

    /// The aggregation step this cycle, if any window can step (whether or not `aggregating`).
    pub fn aggregation_candidate(&self, i: &SequencerInputs) -> Option<AggregationStep> {
        (0..self.windows())
            .find(|&w| {
                self.left[w] != 0
                    && !i.running_sum_busy[w]
                    && (!self.second[w] || !i.window_sum_busy[w])
            })
            .map(|w| AggregationStep {
                window: w,
                bucket: self.left[w],
                to_window_sum: self.second[w],
            })
    }

    pub fn combination_done(&self) -> bool {
        self.combination.is_empty()
    }

    /// The next combination addition (`None` when done).
    pub fn combination_next(&self) -> Option<CombinationStep> {
        self.combination.first().copied()
    }

    /// Whether a combination addition goes this cycle.
    pub fn combination_step(&self, i: &SequencerInputs) -> bool {
        i.combining && !self.combination_done() && !i.total_busy
    }

    pub fn tick(&mut self, i: &SequencerInputs) {
        if i.start_aggregation {
            let top = 1usize << (self.c - 1);
            self.left.iter_mut().for_each(|j| *j = top);
            self.second.iter_mut().for_each(|s| *s = false);
        } else if i.aggregating {
            if let Some(s) = self.aggregation_candidate(i) {
                if s.to_window_sum {
                    self.left[s.window] -= 1;
                }
                self.second[s.window] = !s.to_window_sum;
            }
        }
        if i.start_combination {
            let w = self.windows();
            self.combination = vec![Some(w - 1)];
            for win in (0..w - 1).rev() {
                self.combination.extend(std::iter::repeat_n(None, self.c));
                self.combination.push(Some(win));
            }
        } else if self.combination_step(i) {
            self.combination.remove(0);
        }
    }
}
