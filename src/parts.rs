//! Capacities of the FPGA parts that `estimate` (and the fit reports) project onto: logic,
//! DSP multipliers, block RAM, UltraRAM and the external memory bandwidth of the board the part
//! usually sits on. Every figure names its source; the README's part table repeats them.
//!
//! Sources (data sheets by document number):
//! - Virtex UltraScale+ (VU9P, VU13P): AMD/Xilinx DS923 "Virtex UltraScale+ FPGA Data Sheet"
//!   and the product table of DS890 / the UltraScale+ product selection guide XMP103.
//! - Alveo U250 (XCU250, a VU13P-class die): DS962 "Alveo U200 and U250 Data Center
//!   Accelerator Cards Data Sheet"; 4 DDR4-2400 channels, 77 GB/s (also UG1393, "HBM
//!   Configuration and Use": "the 77 GB/s bandwidth available on DDR-based Alveo cards").
//! - Alveo U55C (XCU55C): DS978 "Alveo U55C Data Center Accelerator Cards Data Sheet"; 16 GB
//!   HBM2 in 32 pseudo channels of 14.375 GB/s, 460 GB/s (UG1393, same section).
//! - ECP5 LFE5U-85F: Lattice FPGA-DS-02012 "ECP5 and ECP5-5G Family Data Sheet" (84K LUT4,
//!   208 sysMEM EBR of 18 Kb = 3,744 Kb, 156 18x18 multipliers).
//!
//! A bare die (VU9P, VU13P, ECP5) has no memory of its own: its bandwidth is that of a typical
//! board, stated in [`Part::memory`] (VU9P: AWS F1 / Alveo U200 with 4 DDR4 channels; VU13P:
//! as the U250; ECP5: one 16-bit DDR3-800 interface as on Lattice's ECP5 evaluation boards).

use zkhdl_hdl::tile::TileShape;

/// The FPGA family: decides the DSP tile and the block-RAM geometry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// DSP48E2 (27x18 signed, used as 26x17 unsigned), RAMB36E2, URAM288.
    UltraScalePlus,
    /// MULT18X18D, DP16KD (18 Kb).
    Ecp5,
}

impl Family {
    /// The tile the generators use for this family's DSP blocks.
    pub fn tile(self) -> TileShape {
        match self {
            Family::UltraScalePlus => TileShape::T26x17,
            Family::Ecp5 => TileShape::T18x18,
        }
    }

    pub fn dsp_name(self) -> &'static str {
        match self {
            Family::UltraScalePlus => "DSP48E2",
            Family::Ecp5 => "MULT18X18D",
        }
    }

    pub fn bram_name(self) -> &'static str {
        match self {
            Family::UltraScalePlus => "RAMB36E2",
            Family::Ecp5 => "DP16KD",
        }
    }

    /// Block-RAM shapes (depth, width) one block can take.
    pub fn bram_shapes(self) -> &'static [(usize, usize)] {
        match self {
            Family::UltraScalePlus => &[(512, 72), (1024, 36), (2048, 18), (4096, 9)],
            Family::Ecp5 => &[(512, 36), (1024, 18), (2048, 9), (4096, 4)],
        }
    }

    /// Bits of distributed (LUT) RAM per LUT: a LUT6 is a 64 x 1 RAM, an ECP5 LUT4 16 x 1.
    pub fn lutram_bits_per_lut(self) -> usize {
        match self {
            Family::UltraScalePlus => 64,
            Family::Ecp5 => 16,
        }
    }
}

/// One part's capacities.
#[derive(Clone, Copy, Debug)]
pub struct Part {
    pub name: &'static str,
    pub device: &'static str,
    pub family: Family,
    pub luts: u64,
    pub ffs: u64,
    /// DSP multipliers (DSP48E2 slices, or ECP5 18x18 multipliers).
    pub dsps: u64,
    /// Block RAMs: RAMB36E2 (36 Kb) or DP16KD (18 Kb).
    pub brams: u64,
    /// URAM288 blocks (4K x 72 b), 0 where the family has none.
    pub urams: u64,
    /// External memory bandwidth, GB/s (10^9 bytes per second), theoretical peak.
    pub bandwidth_gb_s: f64,
    /// What the bandwidth is: the memory and its channels.
    pub memory: &'static str,
    /// Clock assumed by `estimate` unless --freq says otherwise (not a measured Fmax).
    pub default_freq_mhz: f64,
    pub source: &'static str,
}

/// The part table.
pub const PARTS: &[Part] = &[
    Part {
        name: "vu9p",
        device: "XCVU9P (Virtex UltraScale+, 3 SLRs; the AWS F1 and Alveo U200 die)",
        family: Family::UltraScalePlus,
        luts: 1_182_240,
        ffs: 2_364_480,
        dsps: 6_840,
        brams: 2_160,
        urams: 960,
        bandwidth_gb_s: 76.8,
        memory: "board: 4 x DDR4-2400 64-bit channels (AWS F1 / Alveo U200), 4 x 19.2 GB/s",
        default_freq_mhz: 250.0,
        source: "DS923 / XMP103 (device table); DS962 (U200 memory)",
    },
    Part {
        name: "vu13p",
        device: "XCVU13P (Virtex UltraScale+, 4 SLRs)",
        family: Family::UltraScalePlus,
        luts: 1_728_000,
        ffs: 3_456_000,
        dsps: 12_288,
        brams: 2_688,
        urams: 1_280,
        bandwidth_gb_s: 76.8,
        memory: "board: 4 x DDR4-2400 64-bit channels (as on the Alveo U250), 4 x 19.2 GB/s",
        default_freq_mhz: 250.0,
        source: "DS923 / XMP103 (device table)",
    },
    Part {
        name: "u250",
        device: "Alveo U250 (XCU250, VU13P-class)",
        family: Family::UltraScalePlus,
        luts: 1_728_000,
        ffs: 3_456_000,
        dsps: 12_288,
        brams: 2_688,
        urams: 1_280,
        bandwidth_gb_s: 77.0,
        memory: "64 GB DDR4-2400 in 4 channels, 77 GB/s",
        default_freq_mhz: 250.0,
        source: "DS962; UG1393 (77 GB/s on DDR-based Alveo cards)",
    },
    Part {
        name: "u55c",
        device: "Alveo U55C (XCU55C, HBM; the Varium C1100 has the same class of die)",
        family: Family::UltraScalePlus,
        luts: 1_303_680,
        ffs: 2_607_360,
        dsps: 9_024,
        brams: 2_016,
        urams: 960,
        bandwidth_gb_s: 460.0,
        memory: "16 GB HBM2, 32 pseudo channels x 14.375 GB/s = 460 GB/s",
        default_freq_mhz: 250.0,
        source: "DS978; UG1393 (HBM: 32 x 14.375 GB/s = 460 GB/s)",
    },
    Part {
        name: "ecp5-85k",
        device: "Lattice LFE5U-85F",
        family: Family::Ecp5,
        luts: 83_640,
        ffs: 83_640,
        dsps: 156,
        brams: 208,
        urams: 0,
        bandwidth_gb_s: 1.6,
        memory: "board: one 16-bit DDR3-800 interface (ECP5 evaluation boards), 1.6 GB/s",
        default_freq_mhz: 100.0,
        source: "FPGA-DS-02012 (ECP5 and ECP5-5G Family Data Sheet)",
    },
];

/// The part of that name.
pub fn part(name: &str) -> Option<&'static Part> {
    PARTS.iter().find(|p| p.name == name)
}

/// The names, for messages.
pub fn names() -> String {
    PARTS.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
}

/// Blocks of the family's block RAM for a memory of `depth` words of `width` bits (the best
/// of the block's shapes).
pub fn brams_for(family: Family, depth: usize, width: usize) -> u64 {
    family
        .bram_shapes()
        .iter()
        .map(|&(d, w)| (depth.div_ceil(d) * width.div_ceil(w)) as u64)
        .min()
        .unwrap_or(0)
}

/// URAM288 blocks (4096 x 72) for a memory of `depth` x `width`.
pub fn urams_for(depth: usize, width: usize) -> u64 {
    (depth.div_ceil(4096) * width.div_ceil(72)) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_ram_geometry() {
        // 512 x 64: one RAMB36 (512 x 72); 1024 x 65: two RAMB36 as 1024 x 36 each... or
        // 2 x (512 x 72) x 1: also 2.
        assert_eq!(brams_for(Family::UltraScalePlus, 512, 64), 1);
        assert_eq!(brams_for(Family::UltraScalePlus, 1024, 65), 2);
        assert_eq!(brams_for(Family::UltraScalePlus, 2048, 65), 4);
        // DP16KD: 1024 x 18 -> a 64-bit memory of 1024 words takes 4.
        assert_eq!(brams_for(Family::Ecp5, 1024, 64), 4);
        assert_eq!(urams_for(4096, 65), 1);
        assert_eq!(urams_for(8192, 256), 8);
        assert!(part("u55c").is_some() && part("u56c").is_none());
    }
}
