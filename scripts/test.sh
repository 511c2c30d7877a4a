#!/usr/bin/env bash
# The whole test suite: formatting, lints, every test (unit, property,
# doc), the no_std build, and every Criterion bench run once in test mode
# (each asserts its checksum, so a bench that would post a number for a
# wrong answer fails here). This is what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh rust chromium go words
cargo fmt --all --check
cargo clippy --workspace --all-targets --all-features -- -D warnings
cargo build -p tophash --no-default-features
cargo test --workspace --all-features
cargo bench -p tophash-bench -- --test
