#!/usr/bin/env bash
# Concurrent insert latency (issue #17): 1 thread x 10M and 2 threads x 5M
# u64 keys (splitmix64) into one empty tophash::sync, dashmap 6 and papaya 0.2 map, every
# insert timed, 3 runs each. The one command:
#
#     scripts/conc-latency.sh            # full size: ~2 minutes on 2 cores once built
#     scripts/conc-latency.sh --quick    # 500K keys (2 x 250K): seconds
#
# prints ONE markdown table per run (map, threads x keys, reproducible max
# and the size where it happens, the per-index-min figure for comparison,
# each run's slowest insert, p99.9/p99, fill time, Mops/s) and writes
# target/conc-latency/{table.md,runs.csv,csv/*.csv,latency-u64-<n>.svg}
# (a target/conc-latency this runner did not write is refused unless
# --force). The reproducible max is taken per window of map sizes, not per
# insert: see crates/tophash-bench/src/conc/latency/mod.rs. Redraw the SVG
# from the CSVs: target/release/latency plot --out target/conc-latency
#
# Options go to the runner (target/release/conc-latency --help lists them):
#     scripts/conc-latency.sh --maps dashmap,papaya,scc,rwlock-hashbrown
#     scripts/conc-latency.sh --threads 2 --keys 20M --runs 5 --windows 2000
#
# More threads than this machine's cores are refused. The clock is wall
# time per insert, so run it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release -p tophash-bench --bin conc-latency
exec target/release/conc-latency "$@"
