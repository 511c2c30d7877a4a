#!/usr/bin/env bash
# Throughput comparison of tophash with hashbrown 0.17, std's HashMap
# (foldhash and SipHash), griddle 0.5, indexmap, BTreeMap and Go 1.19's
# runtime map. The one command:
#
#     scripts/compare.sh --quick
#
# (sizes 1K and 100K, 3 rounds; about a minute on 2 cores once built)
# prints ONE markdown table: rows = workload x keys x size, cells = median
# ns/op (and each map's ratio to hashbrown), plus memory per entry, and the
# tophash/Go ratio. Without --quick it runs 1K, 100K, 1M and 10M with 3
# rounds: hours on a loaded 2-core VM (10M dominates; ~6 GiB RAM), so
# `--sizes 1K,100K,1M` (under 10 minutes) is the practical full-ish run.
# Results also land in target/compare/{table.md,results.csv,results.json}
# (a target/compare this runner did not write is refused unless --force).
#
# Options go to the runner (target/release/compare --help lists them):
#     scripts/compare.sh --sizes 1K,100K,1M --runs 5
#     scripts/compare.sh --quick --key-kind u64_rand --maps tophash,hashbrown,go
#     scripts/compare.sh --quick --workloads lookup_hit,lookup_miss
#
# Asks scripts/setup.sh to install Go 1.19 (Debian golang-1.19-go) and the
# word list (wamerican, /usr/share/dict/american-english) when they are
# missing (as root or through sudo; otherwise setup.sh says what is missing
# and the run goes on). The runner uses Debian's Go 1.19, else `go` on PATH,
# else --go PATH, prints which one (path and `go version`) and builds
# go/compare (standard library only) with it; with none it says so and
# runs the Rust maps only (--no-go asks for that).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh go words || echo "compare.sh: setup.sh did not install everything; going on" >&2
cargo build --release -p tophash-bench --bin compare
exec target/release/compare "$@"
