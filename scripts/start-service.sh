#!/usr/bin/env bash
# One service process of `npm start`: its port and its own database user come from the variables
# infra/local/env.sh exported (ORDER_PORT, ORDER_MYSQL_URL, …), so the command line concurrently
# shows names the service rather than spelling out its credentials. usage: start-service.sh <service>
set -euo pipefail
prefix="$(printf '%s' "$1" | tr 'a-z-' 'A-Z_')"
port_var="${prefix}_PORT" url_var="${prefix}_MYSQL_URL"
export PORT="${!port_var}"
if [ -n "${!url_var:-}" ]; then export MYSQL_URL="${!url_var}"; fi
exec node "services/$1/src/main.ts"
