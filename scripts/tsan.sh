#!/usr/bin/env bash
# ThreadSanitizer over the concurrent map's tests (tests/sync_*.rs).
#
#     scripts/tsan.sh
#
# Needs nightly with rust-src: std is rebuilt with the sanitizer
# (-Zbuild-std), so races through std's own code (thread spawn and join,
# the drain queue's Mutex, seize's thread-locals) are seen too. Without
# rust-src (TSAN_NO_BUILD_STD=1) std stays uninstrumented and TSan may
# miss or misreport synchronisation inside std. The stress tests run their
# small sizes (TOPHASH_STRESS_SMALL) to keep TSan's 5-15x slowdown in bounds.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh nightly
target=x86_64-unknown-linux-gnu
# `--cfg tophash_tsan` builds the engine's TSan annotations
# (raw/sync/reclaim.rs, `tsan`): the reuse of a dead slot after its grace
# period is ordered after the reads of guards that had ended, which seize
# orders with fences TSan cannot see; a reuse racing a live guard's reads
# is still reported.
export RUSTFLAGS="-Zsanitizer=thread -Cunsafe-allow-abi-mismatch=sanitizer --cfg tophash_tsan"
export RUSTDOCFLAGS="$RUSTFLAGS"
# seize (the collector) synchronises with fences: its reservation lists
# with membarrier(2) ("fast-barrier") and SeqCst fences, and the freeing of
# a batch the way Arc does, `fetch_sub(Release)` then `fence(Acquire)`.
# TSan does not model fences, so it reports every reclamation as racing
# with the last access to what is freed (an entry, a bucket, a state, or
# seize's own batch). Those reports, and only those, are suppressed:
# `race:seize::raw::collector` matches a report one of whose two stacks
# runs inside seize's collector. Every other race on the map's memory
# stays visible (atomics against plain accesses, lock handoffs, the
# publication of entries, buckets, arrays and states). Whether the
# collector frees too early is Miri's to check, since it models fences
# (scripts/miri.sh runs the same tests).
mkdir -p target/tsan
cat >target/tsan/tsan.supp <<'SUPP'
race:seize::raw::collector
SUPP
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/target/tsan/tsan.supp}"
export TOPHASH_STRESS_SMALL=1
export PROPTEST_CASES="${PROPTEST_CASES:-8}"
build_std=(-Zbuild-std --target "$target")
if [ "${TSAN_NO_BUILD_STD:-}" = 1 ]; then
    build_std=()
fi
CARGO_TARGET_DIR=target/tsan cargo +nightly test "${build_std[@]}" -p tophash --features sync \
    --no-fail-fast --test sync_model --test sync_stress -- "$@"
