#!/usr/bin/env bash
# `npm start`: toolchain, dependencies, the local stack (started only where nothing answers), then
# every service in the foreground with a demo sale once they are ready. Ctrl-C stops the services;
# `npm run stack:stop` stops the servers.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
source "$REPO_ROOT/infra/local/env.sh"
ensure_dependencies
cd "$REPO_ROOT"
bash infra/local/stack.sh up

service_env() { # <service> <port>
  printf 'env PORT=%s MYSQL_URL=%s REDIS_URL=%s KAFKA_BROKERS=%s' "$2" "$(service_mysql_url "$1")" "$REDIS_URL" "$KAFKA_BROKERS"
}

exec concurrently --names order,payment,inventory,demo --prefix-colors blue,magenta,green,yellow \
  "$(service_env order 3001) node services/order/src/main.ts" \
  "$(service_env payment 3002) node services/payment/src/main.ts" \
  "$(service_env inventory 3003) node services/inventory/src/main.ts" \
  "node scripts/demo.ts"
