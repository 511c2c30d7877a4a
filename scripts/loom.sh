#!/usr/bin/env bash
# Loom model tests of the concurrent map (tests/sync_loom.rs): every
# interleaving of the engine's atomics, up to a preemption bound, for
# tables of 1-4 buckets.
#
#     scripts/loom.sh                          # the default bounds (3; 2 for three threads)
#     LOOM_MAX_PREEMPTIONS=10 scripts/loom.sh  # deeper (about 20 s here)
#
# Under `--cfg loom` the engine takes its atomics from loom and frees
# nothing before the map drops (raw/sync/reclaim.rs), so this checks the
# protocol, not the collector; Miri and ThreadSanitizer (scripts/tsan.sh)
# cover the real collector. A separate target directory keeps the loom
# build from invalidating the normal one.
set -euo pipefail
cd "$(dirname "$0")/.."
RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom \
    cargo test -p tophash --features sync --test sync_loom --release -- --nocapture "$@"
