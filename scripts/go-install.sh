#!/usr/bin/env bash
# Installs a pinned Go program into .tools/<name>/<version>/ unless that version is already there:
# built from source with the Go toolchain, through the Go module proxy, once. Prints the binary's
# path on stdout and everything else on stderr.
# Usage: go-install.sh <name> <version> <module path> [<variable that names a prebuilt binary instead>]
set -euo pipefail
NAME="$1" VERSION="$2" MODULE="$3" OVERRIDE_VAR="${4:-}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$REPO_ROOT/.tools/$NAME/$VERSION"
BIN="$DIR/$NAME"

if [[ -x "$BIN" ]]; then
  echo "$BIN"
  exit 0
fi
# A Go installed from go.dev's archive lives in /usr/local/go, which a non-login shell's PATH lacks.
if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
  export PATH="/usr/local/go/bin:$PATH"
fi
if ! command -v go >/dev/null 2>&1; then
  echo "$NAME $VERSION is not installed and no Go toolchain is on PATH to build it (https://go.dev/dl/${OVERRIDE_VAR:+, or install $NAME itself and set $OVERRIDE_VAR})" >&2
  exit 1
fi
echo "building $NAME $VERSION with $(go version) (a few minutes, once)" >&2
mkdir -p "$DIR"
GOBIN="$DIR" GOFLAGS="${GOFLAGS:-} -trimpath" go install "$MODULE@$VERSION" >&2
echo "$BIN"
