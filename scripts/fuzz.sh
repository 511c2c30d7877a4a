#!/usr/bin/env bash
# Fuzzes tophash: every target of fuzz/ (random operation sequences checked
# against std's HashMap, invariants walked after every operation) for
# SECONDS each (default 60), two at a time (one per core):
#
#     scripts/fuzz.sh [SECONDS] [TARGET...]      # targets: map_ops collide types large set_ops
#     scripts/fuzz.sh --merge [SECONDS] [TARGET...]
#
# It prints, per target, libFuzzer's executions (and how many were mutated
# inputs rather than the replay of the corpus) and the operations they ran
# (each operation is followed by a full invariant walk), and the totals.
# New inputs go to target/fuzz/work/<target>; with --merge the committed
# corpus fuzz/corpus/<target> is replaced by a small set of inputs covering
# every edge that it and the new inputs reach (libFuzzer -set_cover_merge),
# ready to commit. A crash stops the
# run with the input saved in fuzz/artifacts/<target>/; replay it with
#     cargo run -p tophash-fuzz --bin <target> -- fuzz/artifacts/<target>/crash-...
# and, once fixed, keep it in fuzz/regressions/<target>/ so that
# `cargo test -p tophash-fuzz` (part of scripts/test.sh) replays it forever.
#
# Why cargo-fuzz with `--sanitizer none`: libFuzzer needs SanitizerCoverage
# instrumentation, which cargo-fuzz requests with `-Cpasses=sancov-module`
# and `-Cllvm-args=-sanitizer-coverage-*`, all stable flags; only the
# sanitizers themselves (`-Zsanitizer`) need nightly. On stable Rust that
# gives coverage-guided fuzzing with debug assertions and overflow checks
# on, without AddressSanitizer. Memory errors that do not panic are caught
# instead by running the same inputs under valgrind (scripts/valgrind.sh
# replays the corpus) and by the engine's own invariant walk. AFL++ would
# need its own compiler plugin build and gains nothing here.
#
# Installs cargo-fuzz (crates.io) and a C++ compiler (libFuzzer is C++,
# built by the libfuzzer-sys crate) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

merge=0
if [[ "${1:-}" == "--merge" ]]; then
    merge=1
    shift
fi
secs="${1:-60}"
shift || true
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
    targets=(map_ops collide types large set_ops)
fi

scripts/setup.sh rust
if ! command -v c++ >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq g++ >/dev/null
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked --version 0.13.2
fi

# Own target dir: fuzz builds use other RUSTFLAGS (`--cfg fuzzing`, sancov),
# so sharing target/ would rebuild everything twice per switch.
tdir=target/fuzz
cargo fuzz build --sanitizer none --target-dir "$tdir"
bin="$tdir/x86_64-unknown-linux-gnu/release"

run_one() {
    local t="$1"
    local work="$tdir/work/$t"
    mkdir -p "$work" "fuzz/corpus/$t" "fuzz/artifacts/$t"
    rm -f "$tdir/stats-$t" "$tdir/log-$t"
    # -len_control=0: long inputs (long operation sequences) from the start.
    # -timeout=600: an input of 4 KB can expand (FIFO and bulk macros) to
    # 20,000 operations on a 16K-bucket table, each followed by a full
    # invariant walk: over a minute with coverage instrumentation on a busy
    # machine, which is the harness's cost, not a hang (seen: 83 s for an
    # input that replays in 6.7 s uninstrumented).
    if ! TOPHASH_FUZZ_STATS="$tdir/stats-$t" "$bin/$t" "$work" "fuzz/corpus/$t" \
        -max_total_time="$secs" -max_len=4096 -len_control=0 -timeout=600 -report_slow_units=120 -rss_limit_mb=4096 \
        -print_final_stats=1 -artifact_prefix="fuzz/artifacts/$t/" >"$tdir/log-$t" 2>&1; then
        echo "fuzz.sh: $t FAILED; log: $tdir/log-$t" >&2
        grep -E "panicked|ERROR|Test unit written" -A3 "$tdir/log-$t" | head -30 >&2
        return 1
    fi
}

failed=0
pids=()
for t in "${targets[@]}"; do
    run_one "$t" &
    pids+=($!)
    if [[ ${#pids[@]} -ge 2 ]]; then
        wait "${pids[0]}" || failed=1
        pids=("${pids[@]:1}")
    fi
done
for p in "${pids[@]}"; do
    wait "$p" || failed=1
done

total_execs=0
total_ops=0
total_new=0
starved=()
# "new" counts the executions after libFuzzer finished replaying the corpus
# (its INITED line): inputs it mutated, not ones it replayed. A large
# target/fuzz/work/<t> can take the whole budget to replay.
printf '%-8s %12s %10s %14s %9s\n' target execs new operations ops/exec
for t in "${targets[@]}"; do
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tdir/log-$t" | tail -1)
    execs=${execs:-0}
    inited=$(sed -n 's/^#\([0-9]*\)[[:space:]]*INITED.*/\1/p' "$tdir/log-$t" | tail -1)
    fresh=$((execs - ${inited:-$execs}))
    if [[ $fresh -le 0 ]]; then fresh=0; starved+=("$t"); fi
    # The harness writes "execs ops" every 64 executions: scale its count
    # to libFuzzer's final one (off by at most 63 executions' worth).
    read -r e o <"$tdir/stats-$t" 2>/dev/null || { e=0; o=0; }
    ops=0
    if [[ "$e" -gt 0 ]]; then ops=$((o * execs / e)); fi
    per=0
    if [[ "$execs" -gt 0 ]]; then per=$((ops / execs)); fi
    printf '%-8s %12d %10d %14d %9d\n' "$t" "$execs" "$fresh" "$ops" "$per"
    total_execs=$((total_execs + execs))
    total_new=$((total_new + fresh))
    total_ops=$((total_ops + ops))
done
printf '%-8s %12d %10d %14d\n' total "$total_execs" "$total_new" "$total_ops"
if [[ ${#starved[@]} -gt 0 ]]; then
    echo "fuzz.sh: warning: ${starved[*]}: no input mutated, the budget went into replaying $tdir/work/<target>; give more SECONDS or empty that directory" >&2
fi

if [[ $failed -ne 0 ]]; then
    exit 1
fi

if [[ $merge -eq 1 ]]; then
    for t in "${targets[@]}"; do
        new="$tdir/merged-$t"
        rm -rf "$new"
        mkdir -p "$new"
        # A small set of inputs that covers every edge the corpus and the
        # new inputs reach (edges only: -use_counters=0; hit counts would
        # keep ten times the files), so that the committed corpus stays
        # small and its replay in `cargo test` quick.
        "$bin/$t" -set_cover_merge=1 -use_counters=0 -max_len=4096 "$new" "fuzz/corpus/$t" "$tdir/work/$t" \
            >"$tdir/merge-$t.log" 2>&1
        rm -rf "fuzz/corpus/$t"
        mv "$new" "fuzz/corpus/$t"
        # Inputs that take over 100 ms here (seconds in a debug build, e.g.
        # hundreds of operations on a large sparse table, each followed by
        # a full invariant walk) go to slow/: libFuzzer reads corpus
        # directories recursively, so they still seed every run, but the
        # corpus replay in `cargo test` skips them to stay quick.
        mkdir -p "fuzz/corpus/$t/slow"
        for f in "fuzz/corpus/$t"/*; do
            [[ -f "$f" ]] || continue
            s=$(date +%s%N)
            "$bin/$t" "$f" >/dev/null 2>&1
            if (( ($(date +%s%N) - s) / 1000000 > 100 )); then mv "$f" "fuzz/corpus/$t/slow/"; fi
        done
        echo "fuzz.sh: fuzz/corpus/$t: $(find "fuzz/corpus/$t" -type f | wc -l) inputs ($(ls "fuzz/corpus/$t/slow" | wc -l) slow), $(du -sb "fuzz/corpus/$t" | cut -f1) bytes"
    done
fi
echo "fuzz.sh: clean"
