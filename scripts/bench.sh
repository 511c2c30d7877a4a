#!/usr/bin/env bash
# Criterion throughput benches of tophash, hashbrown and std's HashMap (all
# foldhash), organised by topic: benches/{insert,lookup,remove,churn,
# iterate,clone}.rs, each file's top comment saying what it varies. The one
# command:
#
#     scripts/bench.sh                   # every topic, 1K and 100K entries
#
# Arguments go to `cargo bench -p tophash-bench`, e.g.
#     scripts/bench.sh --bench lookup    # one topic
#     scripts/bench.sh --bench insert -- u64_rand/tophash   # a filter
#     TOPHASH_BENCH_10M=1 scripts/bench.sh --bench lookup   # adds 10M random u64
#
# Times are busy time (wall time minus the run-queue wait, as in
# scripts/compare.sh). Asks scripts/setup.sh to install the word list
# (Debian wamerican) when it is missing; without it the String benches are
# skipped with a warning. Criterion's reports land in target/criterion/.
# For one table of every map side by side, Go's included, use
# scripts/compare.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh words || echo "bench.sh: no word list; the String benches will be skipped" >&2
exec cargo bench -p tophash-bench "$@"
