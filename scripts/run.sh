#!/usr/bin/env bash
# Runs a command with the repository's own Node.js 24 and pnpm first on PATH, dependencies
# installed, and the local stack's settings (infra/local/env.sh) in the environment: every README
# command works from a fresh shell, and a value already set in the environment wins.
# `--without-stack-env` first leaves the stack's settings out: the unit tests run that way, so one
# that reaches for a server fails instead of finding the stack.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
if [ "${1:-}" = --without-stack-env ]; then
  shift
else
  source "$REPO_ROOT/infra/local/env.sh"
fi
ensure_dependencies
cd "$REPO_ROOT"
exec "$@"
