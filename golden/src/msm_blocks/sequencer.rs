//! The aggregation and window-combination sequencer.
//!
//! Aggregation computes `S_w = sum_j j B_{w,j}` per window as `R_w += B_{w,j}; S_w += R_w` for
//! `j` from the top bucket `2^(c-1)` down to 1: two additions per bucket, in that order, each
//! on the adder. Windows interleave, through two registered stages: each cycle the scan picks
//! the lowest-numbered window that has buckets left, whose next addition's operands are not in
//! the adder (`R_w` for both, `S_w` too for the second) and that is in neither stage; it
//! enters stage A on the edge, then stage B, where it steps if its operands are still not in
//! the adder (else it is dropped; its state is unchanged, so the scan finds it again).
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
    /// The stages: A (chosen on the last edge), B (steps now if free).
    stage_a: Option<AggregationStep>,
    stage_b: Option<AggregationStep>,
}

impl Sequencer {
    /// A sequencer after power-up with no aggregation pending and the combination done.
    pub fn new(c: usize, windows: usize) -> Self {
        Sequencer {
            c,
            left: vec![0; windows],
            second: vec![false; windows],
            combination: vec![],
            stage_a: None,
            stage_b: None,
        }
    }

    pub fn windows(&self) -> usize {
        self.left.len()
    }

    /// Some window has buckets left.
    pub fn aggregation_pending(&self) -> bool {
        self.left.iter().any(|&j| j != 0)
    }

    fn free(&self, w: usize, second: bool, i: &SequencerInputs) -> bool {
        !i.running_sum_busy[w] && (!second || !i.window_sum_busy[w])
    }

    /// The window the scan picks this cycle (it enters stage A on the edge).
    fn scan(&self, i: &SequencerInputs) -> Option<AggregationStep> {
        let staged = |w: usize| {
            [&self.stage_a, &self.stage_b]
                .iter()
                .any(|s| s.as_ref().is_some_and(|s| s.window == w))
        };
        (0..self.windows())
            .find(|&w| self.left[w] != 0 && self.free(w, self.second[w], i) && !staged(w))
            .map(|w| AggregationStep {
                window: w,
                bucket: self.left[w],
                to_window_sum: self.second[w],
            })
    }

    /// Stage A: the step after the next, whose bucket is probed on this edge.
    pub fn aggregation_probe(&self) -> Option<&AggregationStep> {
        self.stage_a.as_ref()
    }

    /// Stage B: the step that goes this cycle if its operands are free (and `aggregating`).
    pub fn aggregation_candidate(&self, i: &SequencerInputs) -> Option<AggregationStep> {
        self.stage_b
            .clone()
            .filter(|s| self.free(s.window, s.to_window_sum, i))
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
            self.stage_a = None;
            self.stage_b = None;
        } else {
            let next = self.scan(i);
            if i.aggregating {
                if let Some(s) = self.aggregation_candidate(i) {
                    if s.to_window_sum {
                        self.left[s.window] -= 1;
                    }
                    self.second[s.window] = !s.to_window_sum;
                }
            }
            self.stage_b = self.stage_a.take();
            self.stage_a = next;
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
