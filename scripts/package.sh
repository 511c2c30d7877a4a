#!/usr/bin/env bash
# Checks that the tophash crate is ready to publish: `cargo package` builds
# the packaged copy; every test target of that copy (unit, integration)
# builds from it alone (no workspace, no README or manifest above it to
# lean on); the tests that read the crate's own files at run time
# (`engine_boundary`, `unsafe_discipline`, which also checks the lints
# cargo wrote into the packaged manifest) run there; and `cargo publish
# --dry-run` accepts it. Part of scripts/test.sh. Writes only under target/.
#
# The other tests are not run again from the copy: they read no file, and
# scripts/test.sh runs them over the same sources in the workspace (the
# doc tests too: the crate README they include is packaged, which the
# copy's build checks). Nor do `cargo package` and `publish --dry-run` make
# their own verification build (`--no-verify`): the copy's test build is a
# stricter one (every feature, every target). Together that took this step
# from 127 s to the figure in docs/log.md (2026-12-05, session 12).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo package -p tophash --allow-dirty --no-verify --quiet
version=$(cargo pkgid -p tophash | sed 's/.*[#@]//')
crate="target/package/tophash-$version.crate"
dir=target/package-test
rm -rf "$dir"
mkdir -p "$dir"
tar xzf "$crate" -C "$dir"
# The copy lives under the workspace's directory: an empty [workspace]
# table makes it its own root. Registry dependencies come from the shared
# target directory, so only the crate itself is built again.
printf '\n[workspace]\n' >>"$dir/tophash-$version/Cargo.toml"
(
    cd "$dir/tophash-$version"
    export CARGO_TARGET_DIR=../../../target
    cargo test --all-features --lib --tests --no-run --quiet
    cargo test --all-features --quiet --test engine_boundary --test unsafe_discipline
)
cargo publish --dry-run -p tophash --allow-dirty --no-verify --quiet
echo "package.sh: tophash $version packages, its test targets build from the packaged copy alone and its file-reading tests pass there, and publish --dry-run accepts it"
