//! The signed-digit recoder: the digit of window `w` is `v = s_w + carry` (the c bits of the
//! scalar at window `w` plus the carry out of window `w - 1`), taken as `v - 2^c` with a carry
//! of 1 into the next window when `v > 2^(c-1)`, as `v` with no carry otherwise. So every digit
//! lies in `(-2^(c-1), 2^(c-1)]`.

use num_bigint::BigUint;
use num_traits::{ToPrimitive, Zero};

/// What the recoder shows for the current window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecoderOutputs {
    /// `{window, |d| - 1}` (the low c-1 bits wrap when `d = 0`).
    pub bucket_address: u64,
    pub digit_negative: bool,
    pub digit_zero: bool,
    pub last_window: bool,
}

#[derive(Clone, Debug)]
pub struct Recoder {
    c: usize,
    windows: usize,
    window_bits: usize,
    /// The scalar bits not yet recoded, window `window` in the lowest c.
    rest: BigUint,
    window: u64,
    carry: bool,
}

impl Recoder {
    /// A recoder for windows of `c` bits, `windows` windows, window index of `window_bits` bits.
    pub fn new(c: usize, windows: usize, window_bits: usize) -> Self {
        Recoder {
            c,
            windows,
            window_bits,
            rest: BigUint::zero(),
            window: 0,
            carry: false,
        }
    }

    /// `v`: the window's scalar bits plus the carry into it.
    fn value(&self) -> i64 {
        let mask = (BigUint::from(1u32) << self.c) - 1u32;
        (&self.rest & mask).to_i64().expect("c <= 16") + i64::from(self.carry)
    }

    /// The signed digit of the current window.
    pub fn digit(&self) -> i64 {
        let v = self.value();
        if v > 1 << (self.c - 1) {
            v - (1 << self.c)
        } else {
            v
        }
    }

    pub fn outputs(&self) -> RecoderOutputs {
        let d = self.digit();
        let half = 1u64 << (self.c - 1);
        let below = (d.unsigned_abs() + half - 1) % half; // |d| - 1, wrapping
        RecoderOutputs {
            bucket_address: (self.window << (self.c - 1)) | below,
            digit_negative: d < 0,
            digit_zero: d == 0,
            last_window: self.window == (self.windows - 1) as u64,
        }
    }

    /// The lookahead: what the outputs will be one step on (the next window's digit, its
    /// carry in from the current digit).
    pub fn ahead(&self) -> RecoderOutputs {
        let mut next = self.clone();
        next.tick(None, true);
        next.outputs()
    }

    /// The signed digit of the next window.
    pub fn ahead_digit(&self) -> i64 {
        let mut next = self.clone();
        next.tick(None, true);
        next.digit()
    }

    /// Whether there is a next window (the current one is not the last).
    pub fn ahead_valid(&self) -> bool {
        self.window != (self.windows - 1) as u64
    }

    /// Whether the next window is the last one.
    pub fn ahead_last(&self) -> bool {
        self.window + 2 == self.windows as u64
    }

    /// The clock edge: `load` wins over `step`; `step_two` is two steps.
    pub fn tick(&mut self, load: Option<&BigUint>, step: bool) {
        if let Some(s) = load {
            self.rest = s.clone();
            self.window = 0;
            self.carry = false;
        } else if step {
            // A carry whenever v > 2^(c-1), also for v = 2^c (digit 0, carry 1).
            self.carry = self.value() > 1 << (self.c - 1);
            self.rest = &self.rest >> self.c;
            self.window = (self.window + 1) % (1u64 << self.window_bits);
        }
    }
}
