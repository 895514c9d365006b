#!/usr/bin/env bash
# Runs a command with the repository's own Node.js 24 and pnpm first on PATH, dependencies installed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
ensure_dependencies
cd "$REPO_ROOT"
exec "$@"
