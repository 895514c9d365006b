#!/usr/bin/env bash
# `npm start`: toolchain, dependencies, the local stack (started only where nothing answers), then
# every service in the foreground and, once they are ready, a demo sale. Ctrl-C stops the
# services; `npm run stack:stop` stops the servers.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
source "$REPO_ROOT/infra/local/env.sh"
ensure_dependencies
cd "$REPO_ROOT"
bash infra/local/stack.sh up

# The demo prints what runs where once every service is ready (scripts/start-banner.ts).
exec concurrently --names order,payment,inventory,reconciler,provider,demo --prefix-colors blue,magenta,green,red,cyan,yellow \
  "bash scripts/start-service.sh order" \
  "bash scripts/start-service.sh payment" \
  "bash scripts/start-service.sh inventory" \
  "bash scripts/start-service.sh reconciler" \
  "bash scripts/start-service.sh provider-sim" \
  "node scripts/demo.ts"
