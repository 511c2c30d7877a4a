#!/usr/bin/env bash
# Insert-latency harness ("No pause anywhere"). The one command:
#
#     scripts/latency.sh
#
# runs u64 × 1M, u64 × 10M and String × 1M inserts into an empty tophash,
# hashbrown 0.17, std, griddle 0.5 and Go 1.19 map (each in its own process)
# and prints a markdown table of p50/p99/p99.9/p99.99/max, peak RSS and the
# ratios to hashbrown; it also writes target/latency/results.{md,json},
# target/latency/csv/*.csv and target/latency/latency-*.svg (refusing a
# target/latency it did not write, unless --force). Each map runs 3 times
# per workload (--runs); the runs take 3-5 minutes on 2 cores (longer when
# the machine is busy), plus about 3 minutes for a cold build.
#
# Options go to the harness (target/release/latency --help lists them):
#     scripts/latency.sh --huge              # also u64 × 100M (~16 GiB RAM at the peak)
#     scripts/latency.sh --faults            # page faults of the slowest inserts
#     scripts/latency.sh --maps tophash,hashbrown --sizes 10M --string-sizes none
# Redraw the SVGs from the CSVs only (no run, no Go):
#     scripts/latency.sh plot                # = target/release/latency plot --out target/latency
#
# Go: the harness uses Debian's Go 1.19 (/usr/lib/go-1.19/bin/go), else
# `go` on PATH, else --go PATH, prints which one (path and `go version`),
# and builds go/latency with it; with none it says so and runs the Rust maps
# only. This script first asks scripts/setup.sh to install Go 1.19 (as
# root or through sudo; otherwise setup.sh says what is missing and the run
# goes on without it). --no-go skips Go and the install.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release -p tophash-bench --bin latency

if [[ "${1:-}" == "plot" ]]; then
    shift
    exec target/release/latency plot "$@"
fi

if [[ " $* " != *" --no-go "* ]]; then
    bash scripts/setup.sh go || echo "latency.sh: Go 1.19 not installed; the harness looks for go on PATH" >&2
fi
exec target/release/latency "$@"
