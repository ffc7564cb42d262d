//! Signed-digit recoder: walks one scalar window by window and gives, for the current window
//! `w`, the signed digit `d_w` in `(-2^(c-1), 2^(c-1)]` as a bucket address `{w, |d_w| - 1}`,
//! its sign, whether it is zero and whether `w` is the last window.
//!
//! The digit of window `w` is `v = s_w + carry` (`s_w` the c scalar bits of the window, the
//! carry out of the previous window); `v > 2^(c-1)` gives `d = v - 2^c` and a carry of 1 into
//! the next window, otherwise `d = v` and no carry. `load` takes a new scalar (window 0, no
//! carry) and wins over `step_two` and `step`, which move to the window after next and to the
//! next window. There is no reset: the controller loads a scalar before it reads a digit.
//!
//! Lookahead: `ahead_*` show the digit of window `w + 1` (its carry in from the current
//! digit), `ahead_valid` whether `w` is not the last window, `ahead_last` whether `w + 1` is,
//! so that the controller can issue the next window's digit in a slot the current one cannot
//! use (its bucket is busy) and then skip both (`step_two`).

use super::block_module;
use crate::interface::{Contract, Core, Timing};
use crate::manifest::PortSpec;
use crate::rtl::index_bits;
use crate::HdlError;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoderConfig {
    /// Window width c.
    pub window: usize,
    /// Number of windows.
    pub windows: usize,
    pub top: String,
}

impl RecoderConfig {
    /// Bits of the window index.
    pub fn window_bits(&self) -> usize {
        index_bits(self.windows)
    }

    /// Bits of a bucket address `{window, |d| - 1}`.
    pub fn address_bits(&self) -> usize {
        self.window_bits() + self.window - 1
    }
}

impl Core for RecoderConfig {
    const NAME: &'static str = "msm-digit-recoder";

    fn top(&self) -> &str {
        &self.top
    }

    fn validate(&self) -> Result<(), HdlError> {
        if !(2..=super::MAX_WINDOW).contains(&self.window) || self.windows == 0 {
            return Err(HdlError::Unsupported(format!(
                "recoder: window width {} or {} windows out of range",
                self.window, self.windows
            )));
        }
        if self.window * self.windows < 2 || self.window > super::SCALAR_PORT {
            return Err(HdlError::Unsupported("recoder: no digits".into()));
        }
        Ok(())
    }

    fn reset(&self) -> &'static str {
        ""
    }

    fn ports(&self) -> Result<Vec<PortSpec>, HdlError> {
        Ok(vec![
            PortSpec::input("clock", 1, "rising-edge clock"),
            PortSpec::input(
                "load",
                1,
                "take load_scalar and load_carry: window 0 (wins over step)",
            ),
            PortSpec::input("load_scalar", super::SCALAR_PORT, "the scalar to recode"),
            PortSpec::input(
                "load_carry",
                1,
                "with load: the carry into window 0 (a lane of a multi-adder MSM)",
            ),
            PortSpec::input("step", 1, "move to the next window, carrying the sign"),
            PortSpec::input(
                "step_two",
                1,
                "move two windows on, past the lookahead digit (wins over step)",
            ),
            PortSpec::output(
                "bucket_address",
                self.address_bits(),
                "{window, |digit| - 1} of the current window (meaningless when digit_zero)",
            ),
            PortSpec::output("digit_negative", 1, "the current digit is negative"),
            PortSpec::output("digit_zero", 1, "the current digit is 0"),
            PortSpec::output("last_window", 1, "the current window is the last one"),
            PortSpec::output(
                "ahead_address",
                self.address_bits(),
                "{window + 1, |next digit| - 1} (meaningless when ahead_zero or !ahead_valid)",
            ),
            PortSpec::output("ahead_negative", 1, "the next window's digit is negative"),
            PortSpec::output("ahead_zero", 1, "the next window's digit is 0"),
            PortSpec::output(
                "ahead_valid",
                1,
                "there is a next window (not the last one)",
            ),
            PortSpec::output("ahead_last", 1, "the next window is the last one"),
        ])
    }

    fn timing(&self) -> Result<Timing, HdlError> {
        Ok(Timing {
            latency: 0,
            initiation_interval: 1,
            handshake: "load and step take effect on the rising edge; the digit outputs are \
                        registers (the digits of the state after the edge, computed before it)"
                .into(),
        })
    }

    fn contract(&self) -> Result<Contract, HdlError> {
        Ok(Contract {
            arithmetic: format!(
                "signed {c}-bit digits of a scalar, {nw} windows: d_w in (-2^{c1}, 2^{c1}]",
                c = self.window,
                nw = self.windows,
                c1 = self.window - 1
            ),
            modulus: None,
            field: None,
            tiles: 0,
        })
    }

    fn emit(&self) -> Result<String, HdlError> {
        let c = self.window;
        let wb = self.window_bits();
        // Timing by construction: the digit outputs are registers. Each edge computes the
        // digits the next state will show from registers (or from the scalar being loaded): a
        // step moves the lookahead digit to the current one and recodes the window after it;
        // a two-window step or a load recodes two windows, the second with the first's carry.
        let body = format!(
            "// Signed-digit recoder: c = {c}, {nw} windows, registered digits.\n\
// A digit of c bits and a carry in: {{negative, zero, |d| - 1}}.\n\
function [{c}:0] signed_digit;\n\
    input [{c1}:0] window_bits;\n\
    input carry_in;\n\
    reg [{c}:0] digit_value;\n\
    reg [{c}:0] magnitude;\n\
    reg is_negative;\n\
    begin\n\
        digit_value = {{1'b0, window_bits}} + {{{c}'d0, carry_in}};\n\
        is_negative = digit_value > {cp1}'d{half};\n\
        magnitude = is_negative ? ({cp1}'d{full} - digit_value) : digit_value;\n\
        signed_digit = {{is_negative, magnitude == {cp1}'d0, magnitude[{c2}:0] - {c1w}'d1}};\n\
    end\n\
endfunction\n\
reg [{s1}:0] scalar_rest = 0; // the scalar shifted down to the current window\n\
reg [{wb1}:0] window_index = 0;\n\
reg [{wb1}:0] ahead_index = 0;\n\
reg [{c}:0] current_digit = {cp1}'d{zero_digit}; // signed_digit of the current window (of 0 at first)\n\
reg [{c}:0] next_digit = {cp1}'d{zero_digit}; // and of the next (its carry in from the current digit)\n\
wire [{c}:0] load_first = signed_digit(load_scalar[{c1}:0], load_carry);\n\
wire [{c}:0] load_second = signed_digit(load_scalar[{c2x}:{c}], load_first[{c}]);\n\
wire [{c}:0] after_next = signed_digit(scalar_rest[{c3x}:{c2w}], next_digit[{c}]);\n\
wire [{c}:0] after_that = signed_digit(scalar_rest[{c4x}:{c3w}], after_next[{c}]);\n\
always @(posedge clock) begin\n\
    if (load) begin\n\
        scalar_rest <= load_scalar;\n\
        window_index <= {wb}'d0;\n\
        ahead_index <= {wb}'d1;\n\
        current_digit <= load_first;\n\
        next_digit <= load_second;\n\
    end else if (step_two) begin\n\
        scalar_rest <= scalar_rest >> {c2w};\n\
        window_index <= window_index + {wb}'d2;\n\
        ahead_index <= ahead_index + {wb}'d2;\n\
        current_digit <= after_next;\n\
        next_digit <= after_that;\n\
    end else if (step) begin\n\
        scalar_rest <= scalar_rest >> {c};\n\
        window_index <= window_index + {wb}'d1;\n\
        ahead_index <= ahead_index + {wb}'d1;\n\
        current_digit <= next_digit;\n\
        next_digit <= after_next;\n\
    end\n\
end\n\
assign bucket_address = {{window_index, current_digit[{c2}:0]}};\n\
assign digit_negative = current_digit[{c}];\n\
assign digit_zero = current_digit[{c1}];\n\
assign last_window = window_index == {wb}'d{last};\n\
assign ahead_address = {{ahead_index, next_digit[{c2}:0]}};\n\
assign ahead_negative = next_digit[{c}];\n\
assign ahead_zero = next_digit[{c1}];\n\
assign ahead_valid = window_index != {wb}'d{last};\n\
assign ahead_last = window_index == {wb}'d{before_last};\n",
            nw = self.windows,
            s1 = super::SCALAR_PORT - 1,
            wb1 = wb - 1,
            c1 = c - 1,
            c2 = c - 2,
            c1w = c - 1,
            cp1 = c + 1,
            half = 1usize << (c - 1),
            full = 1usize << c,
            last = self.windows - 1,
            before_last = self.windows.saturating_sub(2),
            c2x = 2 * c - 1,
            c2w = 2 * c,
            c3x = 3 * c - 1,
            c3w = 3 * c,
            c4x = 4 * c - 1,
            zero_digit = (1usize << c) - 1,
        );
        Ok(block_module(&self.top, &self.ports()?, &[], &body))
    }
}
