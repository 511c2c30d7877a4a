#!/usr/bin/env bash
# The main demonstration: the lab's guided tour (a table's buckets drawn as
# text, a growth step by step, stats, and where the data files went).
# Arguments go to tophash-lab, e.g. `scripts/demo.sh report` writes the
# full HTML report to lab-out/report/report.html.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh rust
# Go is optional: without it the lab says so in one line and runs the rest.
scripts/setup.sh --optional go
cargo build --release -q -p tophash-lab
exec target/release/tophash-lab "$@"
