#!/usr/bin/env bash
# Miri (nightly Rust's interpreter for undefined behaviour) over the library's
# unit tests: the engine's own tests, the model tests against the std map,
# the drop and panic bookkeeping, the set tests.
#
#     scripts/miri.sh                 # every test but those in scripts/miri-skip.txt
#     scripts/miri.sh raw::tests      # only the tests whose name contains this
#
# Miri runs code about a thousand times slower than a release build, so the
# tests shrink their sizes under `cfg(miri)` (a tenth of the inserts, two
# cases per model test: each case still runs hundreds of operations through
# growths, overflow chains and resizes) and the few that stay too slow, or
# that need sizes Miri cannot reach, are listed with their reason in
# scripts/miri-skip.txt. The tests are dealt to one Miri process per core.
#
# Under Miri, a "mapping" is an allocation of the global allocator and
# releasing part of it only counts the bytes (raw/sys.rs): Miri models a
# mapping as one allocation and would call a partial munmap undefined
# behaviour. Every other access the engine makes is checked, with
# permissive provenance (the mapping registry turns addresses back into
# pointers). Leaks are not checked
# here (-Zmiri-ignore-leaks): some tests leak on purpose, and
# scripts/asan.sh and scripts/valgrind.sh check leaks over the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh nightly
export MIRIFLAGS="-Zmiri-permissive-provenance -Zmiri-disable-isolation -Zmiri-ignore-leaks"
export PROPTEST_CASES="${PROPTEST_CASES:-4}"
out=target/miri-report
mkdir -p "$out"
rm -f "$out"/shard-*.txt

# Miri interprets on one core: the tests are dealt round-robin to one
# process per core.
cargo +nightly miri test -p tophash --lib --no-run >"$out/build.txt" 2>&1 || {
    echo "miri.sh: the build failed; see $out/build.txt" >&2
    exit 1
}
skips=$(grep -v '^[[:space:]]*\(#\|$\)' scripts/miri-skip.txt | awk '{print $1}')
mapfile -t tests < <(cargo +nightly miri test -p tophash --lib -- --list 2>/dev/null |
    sed -n 's/: test$//p' | grep -F "${1:-}" | grep -v -F -f <(echo "$skips"))
skipped=$(cargo +nightly miri test -p tophash --lib -- --list 2>/dev/null | sed -n 's/: test$//p' |
    grep -F "${1:-}" | grep -c -F -f <(echo "$skips") || true)
[ ${#tests[@]} -gt 0 ] || { echo "miri.sh: no test matches '${1:-}'" >&2; exit 1; }
shards=$(nproc)
start=$(date +%s)
pids=()
for ((s = 0; s < shards; s++)); do
    mine=()
    for ((i = s; i < ${#tests[@]}; i += shards)); do mine+=("${tests[i]}"); done
    [ ${#mine[@]} -gt 0 ] || continue
    cargo +nightly miri test -p tophash --lib -- --exact "${mine[@]}" >"$out/shard-$s.txt" 2>&1 &
    pids+=($!)
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=1; done
passed=$(cat "$out"/shard-*.txt | sed -n 's/^test result: .*\. \([0-9]*\) passed.*/\1/p' | awk '{s+=$1} END {print s+0}')
ub=$(cat "$out"/shard-*.txt | grep -c "Undefined Behavior" || true)
if [ "$failed" != 0 ]; then
    echo "miri.sh: FAILED ($passed passed, $ub undefined behaviour reports); see $out/shard-*.txt" >&2
    cat "$out"/shard-*.txt | grep -E "^error|Undefined Behavior|panicked at|^test .* FAILED" | head -20 >&2
    exit 1
fi
echo "miri.sh: $passed tests passed under Miri, $ub undefined behaviour reports, $skipped skipped (scripts/miri-skip.txt), in $(( $(date +%s) - start )) s; logs: $out/"

# The concurrent map's tests (tests/sync_model.rs, tests/sync_stress.rs) with
# real threads and the real collector (seize): Miri models its fences, so
# this is where an early free by the collector would show. Small sizes
# under cfg(miri); about 2.5 minutes.
if [ -z "${1:-}" ] || [[ "sync" == *"${1}"* ]]; then
    start=$(date +%s)
    if ! cargo +nightly miri test --no-fail-fast -p tophash --features sync --test sync_model --test sync_stress >"$out/sync.txt" 2>&1; then
        echo "miri.sh: the sync tests FAILED; see $out/sync.txt" >&2
        grep -E "Undefined Behavior|panicked at|^test .* FAILED" "$out/sync.txt" | head -20 >&2
        exit 1
    fi
    passed=$(sed -n 's/^test result: .*\. \([0-9]*\) passed.*/\1/p' "$out/sync.txt" | awk '{s+=$1} END {print s+0}')
    echo "miri.sh: $passed sync tests passed under Miri, 0 undefined behaviour reports, in $(( $(date +%s) - start )) s"
fi
