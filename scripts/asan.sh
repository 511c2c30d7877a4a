#!/usr/bin/env bash
# AddressSanitizer (nightly Rust, -Zsanitizer=address) over the whole test
# suite of the library (unit, property and integration tests) and over the
# fuzz corpus and regressions (tophash-fuzz's replay test):
#
#     scripts/asan.sh
#
# Out-of-bounds and use-after-free accesses abort the run with a report;
# LeakSanitizer fails it on a leak, except the two leaks the tests make on
# purpose (scripts/lsan.supp). Builds go to target/asan. The standard
# library itself is not instrumented (-Cunsafe-allow-abi-mismatch lets
# instrumented crates link against it): accesses made inside std on our
# behalf are not checked, ours are, and so are the allocations behind them.
# Arrays mapped from the OS (mmap) are outside ASan's heap: an access to a
# released page still faults, as in every other run.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh nightly
target=$(rustc -vV | sed -n 's/^host: //p')
export RUSTFLAGS="-Zsanitizer=address -Cunsafe-allow-abi-mismatch=sanitizer"
export RUSTDOCFLAGS="$RUSTFLAGS"
export CARGO_TARGET_DIR=target/asan
# allocator_may_return_null: tests/hostile.rs asks for impossible sizes on
# purpose and expects AllocError, as glibc's malloc gives by returning null.
export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1"
export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp:print_suppressions=0"
export PROPTEST_CASES="${PROPTEST_CASES:-64}"
log=target/asan-report.txt
mkdir -p target
: >"$log"

run() { # what, command...
    local what="$1"
    shift
    if ! "$@" >>"$log" 2>&1; then
        echo "asan.sh: $what FAILED; see $log" >&2
        grep -E "ERROR: (Address|Leak)Sanitizer|SUMMARY" "$log" | head -20 >&2
        exit 1
    fi
}

run "the library's tests" cargo +nightly test -p tophash --all-features --target "$target" --lib --tests
run "the fuzz corpus replay" cargo +nightly test -p tophash-fuzz --target "$target" -- --nocapture
passed=$(sed -n 's/^test result: ok\. \([0-9]*\) passed.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
inputs=$(sed -n 's/^[a-z_]*: \([0-9]*\) inputs, [0-9]* operations$/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
ops=$(sed -n 's/^[a-z_]*: [0-9]* inputs, \([0-9]*\) operations$/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
reports=$(grep -c "ERROR: AddressSanitizer\|ERROR: LeakSanitizer" "$log" || true)
echo "asan.sh: $passed tests passed and $inputs corpus inputs ($ops operations) replayed under AddressSanitizer, $reports sanitizer reports; log: $log"
