#!/usr/bin/env bash
# Concurrent throughput of tophash::sync::HashMap, dashmap 6, papaya 0.2, scc 3,
# flurry 0.5 and std::sync::RwLock<hashbrown 0.17 HashMap> under bustle's workloads (the
# harness behind conc-map-bench): read-heavy (98/1/1), exchange
# (10/40/40/10), rapid-grow (5/80/5/10, presized) and grow-from-empty
# (rapid-grow's mix from capacity 1), at 1 and 2 threads, every map hashing
# with the same fixed-seed foldhash. The one command:
#
#     scripts/conc.sh --quick
#
# (initial capacity 2^16, 3 runs per cell; a few seconds once built)
# prints ONE markdown table: rows = workload x threads, cells = median
# Mops/s and each map's ratio to RwLock<hashbrown> (above 1 is faster),
# under the machine line (CPU, cores, kernel, load average). Without
# --quick it runs conc-map-bench's size, 2^25 initial capacity and 2^25
# operations per run: not timed yet; expect tens of minutes on 2 cores
# and several GiB of RAM (120 runs of 33M keys each).
# Results also land in target/conc/{table.md,results.csv,results.json}
# (a target/conc this runner did not write is refused unless --force).
#
# Options go to the runner (target/release/conc --help lists them):
#     scripts/conc.sh --workloads read-heavy,exchange --runs 5
#     scripts/conc.sh --quick --maps rwlock-hashbrown,dashmap,papaya
#     scripts/conc.sh --capacity-log2 22 --ops-scale 2
#
# Threads: --threads 1,2 by default; more threads than this machine's
# cores are refused (they would measure the scheduler). bustle clocks wall
# time, so run it on an otherwise idle machine: the table prints the load
# average at the start for that reason.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release -p tophash-bench --bin conc
exec target/release/conc "$@"
