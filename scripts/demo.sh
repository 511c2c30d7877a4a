#!/usr/bin/env bash
# The main demonstration: the lab's guided tour (a table's buckets drawn as
# text, a growth step by step, stats, and where the data files went).
# Arguments go to tophash-lab, e.g. `scripts/demo.sh report` writes the
# full HTML report to lab-out/report/report.html.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh rust go
cargo build --release -q -p tophash-lab
exec target/release/tophash-lab "$@"
