#!/usr/bin/env bash
# Installs the pinned vegeta (the bench's open-model load generator, MIT-licensed) into
# .tools/vegeta/ unless that version is already there: built with the Go toolchain from the Go
# module proxy, about two minutes once. Prints the binary's path.
set -euo pipefail
VEGETA_VERSION="${VEGETA_VERSION:-v12.13.0}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
VEGETA_DIR="$REPO_ROOT/.tools/vegeta/$VEGETA_VERSION"
VEGETA_BIN="$VEGETA_DIR/vegeta"

if [[ -x "$VEGETA_BIN" ]]; then
  echo "$VEGETA_BIN"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "vegeta $VEGETA_VERSION is not installed and no Go toolchain is on PATH to build it (https://go.dev/dl/, or set VEGETA_BIN)" >&2
  exit 1
fi
echo "building vegeta $VEGETA_VERSION with $(go version) (a minute or two, once)" >&2
mkdir -p "$VEGETA_DIR"
GOBIN="$VEGETA_DIR" GOFLAGS="${GOFLAGS:-} -trimpath" go install "github.com/tsenart/vegeta/v12@$VEGETA_VERSION" >&2
echo "$VEGETA_BIN"
