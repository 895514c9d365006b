#!/usr/bin/env bash
# `npm run bench`: the stack (started if needed), then the order-path benchmark. Prints figures;
# it asserts nothing, so it never flakes a build.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
source "$REPO_ROOT/infra/local/env.sh"
ensure_dependencies
bash "$REPO_ROOT/infra/local/stack.sh" up
cd "$REPO_ROOT/services/order"
exec node bench/order-path.bench.ts
