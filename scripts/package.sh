#!/usr/bin/env bash
# Checks that the tophash crate is ready to publish: `cargo package` builds
# the packaged copy, its own tests pass when run from that copy alone (no
# workspace, no README or manifest above it to lean on), and `cargo publish
# --dry-run` accepts it. Part of scripts/test.sh. Writes only under target/.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo package -p tophash --allow-dirty --quiet
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
(cd "$dir/tophash-$version" && CARGO_TARGET_DIR=../../../target cargo test --all-features --quiet)
cargo publish --dry-run -p tophash --allow-dirty --quiet
echo "package.sh: tophash $version packages, its tests pass from the packaged copy, and publish --dry-run accepts it"
