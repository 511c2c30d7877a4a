#!/usr/bin/env bash
# Runs tophash's test binaries (the lib's unit tests, including the model,
# drop-accounting and panic-safety tests, and the integration tests) and
# the fuzz targets' replay of the committed corpus under valgrind's
# memcheck, and fails on any memory error or definite/indirect leak:
#
#     scripts/valgrind.sh            # everything (about 20-30 minutes on 2 cores)
#     scripts/valgrind.sh --no-corpus
#
# Prints the tests (and corpus inputs) run and the errors found per binary,
# then the totals. Logs: target/valgrind/*.log.
#
# PROPTEST_CASES defaults to 16 here: proptest cases cost ~30x more under
# memcheck, and memory errors show on the first case that reaches a code
# path, not the 256th. (Tests that set their case count explicitly ignore
# it.) Set PROPTEST_CASES to override.
#
# Only leaks that tests make on purpose are suppressed (scripts/valgrind.supp
# says which and why: the leaked drop-accounting ledger, and a Drain leaked
# with mem::forget to test the documented leak). The engine maps large
# bucket arrays straight from the OS with mmap (from 128 KiB; from 16 KiB in
# its unit tests, so nearly every test does it) and, as evacuation passes
# the old array's buckets, unmaps their whole pages with munmap a few at a
# time (crates/tophash/src/raw/sys.rs, bucket.rs release_upto, grow.rs).
# memcheck follows both and marks unmapped pages inaccessible; the engine
# never touches a page it unmapped, so an "Invalid read" or "Invalid write"
# there would be a real bug (outside valgrind the same access would fault),
# not noise.
set -euo pipefail
cd "$(dirname "$0")/.."

corpus=1
if [[ "${1:-}" == "--no-corpus" ]]; then corpus=0; fi

scripts/setup.sh rust valgrind
export PROPTEST_CASES="${PROPTEST_CASES:-16}"
out=target/valgrind
mkdir -p "$out"

# The test executables cargo builds for tophash (lib unit tests and
# integration tests), from cargo's JSON messages.
mapfile -t bins < <(cargo test -p tophash --all-features --no-run --message-format=json 2>/dev/null \
    | grep '"test":true' | grep -o '"executable":"[^"]*"' | sed 's/"executable":"\(.*\)"/\1/' | sort -u)
if [[ ${#bins[@]} -eq 0 ]]; then
    echo "valgrind.sh: no test binaries found" >&2
    exit 1
fi

vg=(valgrind --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite,indirect
    --show-leak-kinds=definite,indirect --error-exitcode=1 --num-callers=60
    --suppressions=scripts/valgrind.supp)

tests=0
errors=0
failed=0
report() { # name, log, count, what
    local e
    local e s
    e=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$2" | tail -1)
    s=$(sed -n 's/.*ERROR SUMMARY: .*(suppressed: \([0-9]*\) from.*/\1/p' "$2" | tail -1)
    e=${e:-0}
    printf '%-28s %8d %-8s %6d errors (%s suppressed)\n' "$1" "$3" "$4" "$e" "${s:-0}"
    errors=$((errors + e))
}

for b in "${bins[@]}"; do
    name=$(basename "$b")
    name=${name%-*}
    log="$out/$name.log"
    # One test thread: memcheck serialises threads anyway, and a single
    # thread makes the log read in test order.
    if ! "${vg[@]}" --log-file="$log" "$b" --test-threads=1 >"$out/$name.out" 2>&1; then
        failed=1
        echo "valgrind.sh: $name FAILED (see $log and $out/$name.out)" >&2
    fi
    n=$(sed -n 's/^test result: [a-zA-Z]*\. \([0-9]*\) passed.*/\1/p' "$out/$name.out" | awk '{s+=$1} END {print s+0}')
    tests=$((tests + n))
    report "$name" "$log" "$n" tests
done

if [[ $corpus -eq 1 ]]; then
    # The fuzz targets built without `--cfg fuzzing` replay input files.
    cargo build --release -q -p tophash-fuzz --bins
    for dir in fuzz/corpus/*/ fuzz/regressions/*/; do
        [[ -d "$dir" ]] || continue
        t=$(basename "$dir")
        kind=$(basename "$(dirname "$dir")")
        log="$out/fuzz-$kind-$t.log"
        if ! "${vg[@]}" --log-file="$log" "${CARGO_TARGET_DIR:-target}/release/$t" "$dir" >"$out/fuzz-$kind-$t.out" 2>&1; then
            failed=1
            echo "valgrind.sh: fuzz $kind $t FAILED (see $log)" >&2
        fi
        n=$(sed -n 's/^[a-z_]*: \([0-9]*\) inputs.*/\1/p' "$out/fuzz-$kind-$t.out")
        report "fuzz $kind/$t" "$log" "${n:-0}" inputs
    done
fi

echo "valgrind.sh: $tests tests run, $errors errors"
if [[ $failed -ne 0 || $errors -ne 0 ]]; then
    exit 1
fi
