#!/usr/bin/env bash
# Insert-latency harness ("No pause anywhere"). The one command:
#
#     scripts/latency.sh
#
# runs u64 × 1M, u64 × 10M and String × 1M inserts into an empty tophash,
# hashbrown 0.17, std, griddle 0.5 and Go 1.19 map (each in its own process)
# and prints a markdown table of p50/p99/p99.9/p99.99/max, peak RSS and the
# ratios to hashbrown; it also writes target/latency/results.{md,json},
# target/latency/csv/*.csv and target/latency/latency-*.svg. Each map runs
# 3 times per workload (--repeat); the runs take 3-5 minutes on 2 cores
# (longer when the machine is busy), plus about 3 minutes for a cold build.
#
# Options go to the harness (target/release/latency --help lists them):
#     scripts/latency.sh --huge              # also u64 × 50M (~8 GiB RAM; adds ~25 min)
#     scripts/latency.sh --faults            # page faults of the slowest inserts
#     scripts/latency.sh --maps tophash,hashbrown --sizes 10M --string-sizes none
# Redraw the SVGs from the CSVs only (no run, no Go):
#     scripts/latency.sh plot                # = target/release/latency plot --out target/latency
#
# Installs Go 1.19 (Debian golang-1.19-go) when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=/usr/lib/go-1.19/bin/go
OUT=target/latency

cargo build --release -p tophash-bench --bin latency

if [[ "${1:-}" == "plot" ]]; then
    shift
    exec target/release/latency plot "$@"
fi

if [[ ! -x "$GO" ]]; then
    echo "latency.sh: installing Go 1.19 (golang-1.19-go)" >&2
    SUDO=""
    if [[ "$(id -u)" -ne 0 ]]; then SUDO=sudo; fi
    $SUDO apt-get update
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y golang-1.19-go
fi
mkdir -p "$OUT"
# No third-party modules: GOPROXY=off keeps the build offline; GOFLAGS is
# cleared so a caller's -mod=vendor etc. cannot interfere.
(cd go/latency && GOPROXY=off GOFLAGS= GOTOOLCHAIN=local "$GO" build -o "../../$OUT/go-latency" .)

# The harness's defaults are --out target/latency --go-bin target/latency/go-latency.
exec target/release/latency "$@"
