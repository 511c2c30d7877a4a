#!/usr/bin/env bash
# The whole test suite: formatting, lints, every test (unit, property,
# doc), and the no_std build. This is what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh rust chromium go
cargo fmt --all --check
cargo clippy --workspace --all-targets --all-features -- -D warnings
cargo build -p tophash --no-default-features
cargo test --workspace --all-features
