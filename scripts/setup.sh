#!/usr/bin/env bash
# Installs what the project's commands need on a fresh machine of this kind
# (Debian + rustup toolchain). Idempotent; called by scripts/test.sh and the
# demo, bench and compare scripts. Usage: scripts/setup.sh [rust|go|valgrind|words|chromium]...
set -euo pipefail
need_apt=()
want() { command -v "$1" >/dev/null 2>&1 || need_apt+=("$2"); }
for what in "${@:-rust}"; do
  case "$what" in
    rust)
      rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
      rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
      ;;
    go) [ -x /usr/lib/go-1.19/bin/go ] || need_apt+=(golang-1.19-go) ;;
    valgrind) want valgrind valgrind ;;
    words) [ -f /usr/share/dict/american-english ] || need_apt+=(wamerican) ;;
    chromium) want chromium chromium ;;
    *) echo "setup.sh: unknown component '$what'" >&2; exit 2 ;;
  esac
done
if [ ${#need_apt[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
