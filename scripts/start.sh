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

service() { # <service> <port> <mysql url>: the command line of one service with its own database user
  printf 'env PORT=%s MYSQL_URL=%s node services/%s/src/main.ts' "$2" "$3" "$1"
}

exec concurrently --names order,payment,inventory,reconciler,provider,demo --prefix-colors blue,magenta,green,red,cyan,yellow \
  "$(service order "$ORDER_PORT" "$ORDER_MYSQL_URL")" \
  "$(service payment "$PAYMENT_PORT" "$PAYMENT_MYSQL_URL")" \
  "$(service inventory "$INVENTORY_PORT" "$INVENTORY_MYSQL_URL")" \
  "$(service reconciler "$RECONCILER_PORT" "$RECONCILER_MYSQL_URL")" \
  "env PORT=$PROVIDER_SIM_PORT node services/provider-sim/src/main.ts" \
  "node scripts/demo.ts"
