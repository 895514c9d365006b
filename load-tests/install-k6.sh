#!/usr/bin/env bash
# Installs the pinned k6 into .tools/k6/ (built from source with the Go toolchain, through the Go
# module proxy) unless that version is already there. Prints the binary's path.
set -euo pipefail
K6_VERSION="${K6_VERSION:-v1.8.1}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
K6_DIR="$REPO_ROOT/.tools/k6/$K6_VERSION"
K6_BIN="$K6_DIR/k6"

if [[ -x "$K6_BIN" ]]; then
  echo "$K6_BIN"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "k6 $K6_VERSION is not installed and no Go toolchain is on PATH to build it (https://go.dev/dl/, or install k6 itself and set K6_BIN)" >&2
  exit 1
fi
echo "building k6 $K6_VERSION with $(go version) (a few minutes, once)" >&2
mkdir -p "$K6_DIR"
GOBIN="$K6_DIR" GOFLAGS="${GOFLAGS:-} -trimpath" go install "go.k6.io/k6@$K6_VERSION" >&2
"$K6_BIN" version >&2
echo "$K6_BIN"
