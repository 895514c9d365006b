#!/usr/bin/env bash
# Installs the pinned k6 into .tools/k6/ unless that version is already there. Prints the binary's
# path.
set -euo pipefail
K6_BIN="$(bash "$(dirname "${BASH_SOURCE[0]}")/../scripts/go-install.sh" k6 "${K6_VERSION:-v1.8.1}" go.k6.io/k6 K6_BIN)"
"$K6_BIN" version >&2
echo "$K6_BIN"
