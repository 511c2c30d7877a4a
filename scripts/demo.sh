#!/usr/bin/env bash
# The main demonstration: fills a map with a million keys and shows each
# growth and the slowest insert, next to std's HashMap.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh rust
cargo run --release -q -p tophash --example demo -- "$@"
