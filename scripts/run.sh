#!/usr/bin/env bash
# Runs a command with the repository's own Node.js 24 and pnpm first on PATH, dependencies
# installed, and the local stack's settings (infra/local/env.sh) in the environment: every README
# command works from a fresh shell, and a value already set in the environment wins.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
source "$REPO_ROOT/infra/local/env.sh"
ensure_dependencies
cd "$REPO_ROOT"
exec "$@"
