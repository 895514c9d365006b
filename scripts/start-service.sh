#!/usr/bin/env bash
# One service process of `npm start`: its port and its own database, Redis and Kafka users come from the
# variables infra/local/env.sh exported (ORDER_PORT, ORDER_MYSQL_URL, ORDER_REDIS_URL,
# ORDER_KAFKA_USER, ORDER_KAFKA_PASSWORD, …), so the command line concurrently shows names the
# service rather than spelling out its credentials. Instance 2 (the cluster
# topology runs two of each service) listens on <SERVICE>_PORT_2 and shares everything else with
# instance 1: database, Redis, Kafka consumer group, BullMQ queues.
# usage: start-service.sh <service> [instance: 1 (default) or 2]
set -euo pipefail
service="$1" instance="${2:-1}"
prefix="$(printf '%s' "$service" | tr 'a-z-' 'A-Z_')"
case "$instance" in
  1) port_var="${prefix}_PORT" ;;
  2) port_var="${prefix}_PORT_2" ;;
  *) echo "instance must be 1 or 2, not '$instance'" >&2; exit 2 ;;
esac
url_var="${prefix}_MYSQL_URL" redis_var="${prefix}_REDIS_URL"
export PORT="${!port_var}"
if [ -n "${!url_var:-}" ]; then export MYSQL_URL="${!url_var}"; fi
if [ -n "${!redis_var:-}" ]; then export REDIS_URL="${!redis_var}"; fi
kafka_user_var="${prefix}_KAFKA_USER" kafka_password_var="${prefix}_KAFKA_PASSWORD"
if [ -n "${!kafka_user_var:-}" ] && [ -n "${!kafka_password_var:-}" ]; then
  export KAFKA_SASL_USERNAME="${!kafka_user_var}" KAFKA_SASL_PASSWORD="${!kafka_password_var}"
fi
exec node "services/$service/src/main.ts"
