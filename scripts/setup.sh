#!/usr/bin/env bash
# Installs what the project's commands need on a fresh machine of this kind
# (Debian + rustup toolchain). Idempotent; called by scripts/test.sh and the
# demo, bench, compare, fuzz and valgrind scripts. Usage:
#
#     scripts/setup.sh [--optional] [rust|nightly|go|valgrind|words|chromium]...
#
# (no component: rust). Debian packages are installed with apt-get as root,
# or through `sudo -n` (never a password prompt) when not root; the script
# says what it installs and why before it does. When it can do neither, it
# lists the missing packages and what needs them, and fails (exit 1) --
# unless --optional is given: then it exits 0, so that the caller runs the
# parts that need none of them (the demo: the lab says when Go is missing
# and runs the rest).
set -euo pipefail

optional=0
if [[ "${1:-}" == "--optional" ]]; then
  optional=1
  shift
fi

say() { echo "setup.sh: $*" >&2; }

# Gives up on what cannot be had: fine for --optional, an error otherwise.
give_up() {
  if ((optional)); then
    say "going on without them: the parts that need them will say so and be skipped"
    exit 0
  fi
  say "stopping: this command needs them"
  exit 1
}

packages=() # Debian packages to install
why=()      # what needs each, in the same order
need() {
  packages+=("$1")
  why+=("$2")
}

for what in "${@:-rust}"; do
  case "$what" in
    rust)
      # rustup installs per user: no root needed.
      for c in clippy rustfmt; do
        if ! rustup component list --installed 2>/dev/null | grep -q "^$c"; then
          say "adding the rustup component $c (the lint and format checks of scripts/test.sh)"
          rustup component add "$c" || { say "rustup could not add $c"; give_up; }
        fi
      done
      ;;
    nightly)
      # The checks that need nightly Rust (scripts/miri.sh, scripts/asan.sh):
      # the toolchain with rust-src (Miri builds its own std) and Miri.
      if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
        say "installing the nightly Rust toolchain (Miri and AddressSanitizer need it)"
        rustup toolchain install nightly --profile minimal || { say "rustup could not install nightly"; give_up; }
      fi
      for c in miri rust-src; do
        if ! rustup component list --toolchain nightly --installed 2>/dev/null | grep -q "^$c"; then
          say "adding the nightly component $c (scripts/miri.sh)"
          rustup component add "$c" --toolchain nightly || { say "rustup could not add $c"; give_up; }
        fi
      done
      ;;
    go) [ -x /usr/lib/go-1.19/bin/go ] ||
      need golang-1.19-go "Go 1.19: the comparisons with Go's own map (tophash-lab grow/layout/report, compare, latency)" ;;
    valgrind) command -v valgrind >/dev/null 2>&1 ||
      need valgrind "valgrind: scripts/valgrind.sh's memory check of the engine" ;;
    words) [ -f /usr/share/dict/american-english ] ||
      need wamerican "the word list /usr/share/dict/american-english: the string keys of the benchmarks and their tests" ;;
    chromium) command -v chromium >/dev/null 2>&1 ||
      need chromium "Chromium: the test that renders the lab's HTML report (crates/tophash-lab/tests/report.rs)" ;;
    *)
      say "unknown component '$what' (known: rust nightly go valgrind words chromium)"
      exit 2
      ;;
  esac
done

((${#packages[@]})) || exit 0

if [[ "$(id -u)" -eq 0 ]]; then
  as_root=()
  how="with apt-get as root"
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
  how="with apt-get through sudo"
else
  say "not root, and no sudo that works without a password: cannot install these Debian packages:"
  for i in "${!packages[@]}"; do
    say "  ${packages[$i]}: ${why[$i]}"
  done
  say "as root: apt-get install ${packages[*]}"
  give_up
fi

for i in "${!packages[@]}"; do
  say "installing ${packages[$i]} $how: ${why[$i]}"
done
if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq ||
  ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null; then
  say "apt-get could not install ${packages[*]}"
  give_up
fi
