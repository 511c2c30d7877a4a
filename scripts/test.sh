#!/usr/bin/env bash
# The whole test suite: formatting, lints, the library's docs without a
# warning, every test (unit, property, doc, the lab's, the fuzz corpus
# replay, the concurrent map's loom models, and hashbrown 0.17.1's own public-API tests run against tophash by
# crates/hashbrown-compat), the library's unit tests without `std`, the
# packaged crate's test targets built from the packaged copy alone
# (scripts/package.sh), and every Criterion bench run once in test mode
# (each asserts its checksum, so a bench that would post a number for a
# wrong answer fails here). This is what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh rust chromium go words
cargo fmt --all --check
cargo clippy --workspace --all-targets --all-features -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc -p tophash --no-deps --all-features --quiet
cargo test -p tophash --no-default-features --lib --quiet
cargo test --workspace --all-features
# The concurrent map's loom models (about a minute to build, a second to run).
bash scripts/loom.sh
# hashbrown's own tests that do not compile against tophash are listed in
# crates/hashbrown-compat/missing-api.txt: fail if that list is stale.
cargo run --quiet -p hashbrown-compat --bin scan-missing -- --check
bash scripts/package.sh
# The benches in test mode, built like the tests above (a debug build that
# reuses their dependencies; `cargo bench -- --test` rebuilt everything
# with optimisations, 181 s of a 839 s run here, for the same checks).
cargo test -p tophash-bench --benches --all-features
