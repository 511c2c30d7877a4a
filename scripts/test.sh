#!/usr/bin/env bash
# The whole test suite: formatting, lints, the library's docs without a
# warning, every test (unit, property, doc, the lab's and the fuzz corpus
# replay), the library's unit tests without `std`, the packaged crate's
# tests from the packaged copy alone (scripts/package.sh), and every
# Criterion bench run once in test mode (each asserts its checksum, so a
# bench that would post a number for a wrong answer fails here). This is
# what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh rust chromium go words
cargo fmt --all --check
cargo clippy --workspace --all-targets --all-features -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc -p tophash --no-deps --all-features --quiet
cargo test -p tophash --no-default-features --lib --quiet
cargo test --workspace --all-features
bash scripts/package.sh
cargo bench -p tophash-bench -- --test
