#!/usr/bin/env bash
# Settings of the local stack: ports, data folder, per-service credentials (local-only values).
# Every value can be overridden from the environment; sourced by the stack and start/test scripts.
REPO_ROOT="${REPO_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
export REPO_ROOT
# The pnpm store scripts/toolchain.sh uses; an install from a shell that sourced this file then
# matches node_modules instead of replacing it.
export npm_config_store_dir="${npm_config_store_dir:-$REPO_ROOT/.tools/pnpm-store}"
export STACK_DATA_DIR="${STACK_DATA_DIR:-$REPO_ROOT/.data}"
export STACK_HOST="${STACK_HOST:-127.0.0.1}"
export MYSQL_PORT="${MYSQL_PORT:-3306}"
export REDIS_PORT="${REDIS_PORT:-6379}"
export KAFKA_PORT="${KAFKA_PORT:-9092}"
export KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
export KAFKA_VERSION="${KAFKA_VERSION:-$(sed -n 's/^kafka=//p' "$REPO_ROOT/.tool-versions.env")}"

# Topology: `single` (one MariaDB, one Redis, one Kafka broker) or `cluster` (a Redis Cluster of 3
# masters + 3 replicas, three Kafka brokers, one MariaDB server per service; README "Cluster
# topology"). The cluster's ports collide with nothing above, so both can run side by side.
export STACK_TOPOLOGY="${STACK_TOPOLOGY:-single}"
case "$STACK_TOPOLOGY" in
  single | cluster) ;;
  *) echo "STACK_TOPOLOGY must be single or cluster, not '$STACK_TOPOLOGY'" >&2; return 2 2>/dev/null || exit 2 ;;
esac
# A value already in the environment wins, so a shell that sourced this file for one topology would
# keep that topology's addresses when asked for the other; the addresses derived here are dropped
# and derived again for the topology asked for.
if [ -n "${STACK_ENV_TOPOLOGY:-}" ] && [ "$STACK_ENV_TOPOLOGY" != "$STACK_TOPOLOGY" ]; then
  unset MYSQL_ADMIN_URL REDIS_URL REDIS_CLUSTER_NODES REDIS_REPLICA_ACK_TIMEOUT_MS KAFKA_BROKERS \
    ORDER_MYSQL_URL PAYMENT_MYSQL_URL INVENTORY_MYSQL_URL RECONCILER_MYSQL_URL \
    ORDER_MYSQL_ADMIN_URL PAYMENT_MYSQL_ADMIN_URL INVENTORY_MYSQL_ADMIN_URL RECONCILER_MYSQL_ADMIN_URL \
    RECONCILER_ORDER_MYSQL_URL RECONCILER_PAYMENT_MYSQL_URL RECONCILER_INVENTORY_MYSQL_URL \
    ORDER_REDIS_URL PAYMENT_REDIS_URL INVENTORY_REDIS_URL RECONCILER_REDIS_URL \
    SERVICE_INSTANCES
fi
export STACK_ENV_TOPOLOGY="$STACK_TOPOLOGY"
# Cluster ports: six Redis nodes from REDIS_CLUSTER_BASE_PORT, three brokers from
# KAFKA_CLUSTER_BASE_PORT (their controllers from KAFKA_CLUSTER_CONTROLLER_BASE_PORT), and one
# MariaDB server per service.
export REDIS_CLUSTER_BASE_PORT="${REDIS_CLUSTER_BASE_PORT:-7001}"
export KAFKA_CLUSTER_BASE_PORT="${KAFKA_CLUSTER_BASE_PORT:-19192}"
export KAFKA_CLUSTER_CONTROLLER_BASE_PORT="${KAFKA_CLUSTER_CONTROLLER_BASE_PORT:-19292}"
export ORDER_MYSQL_PORT="${ORDER_MYSQL_PORT:-13307}" PAYMENT_MYSQL_PORT="${PAYMENT_MYSQL_PORT:-13308}"
export INVENTORY_MYSQL_PORT="${INVENTORY_MYSQL_PORT:-13309}" RECONCILER_MYSQL_PORT="${RECONCILER_MYSQL_PORT:-13310}"
redis_cluster_ports() { local i; for i in 0 1 2 3 4 5; do echo $((REDIS_CLUSTER_BASE_PORT + i)); done; }
kafka_cluster_nodes() { echo 1 2 3; }
kafka_cluster_broker_port() { echo $((KAFKA_CLUSTER_BASE_PORT + $1 - 1)); }
kafka_cluster_controller_port() { echo $((KAFKA_CLUSTER_CONTROLLER_BASE_PORT + $1 - 1)); }
if [ "$STACK_TOPOLOGY" = cluster ]; then
  export REDIS_CLUSTER_NODES="${REDIS_CLUSTER_NODES:-$(for p in $(redis_cluster_ports); do printf '%s:%s,' "$STACK_HOST" "$p"; done | sed 's/,$//')}"
  # A reservation is answered only once a replica holds it too, so a master's failover cannot lose it
  # (docs/adr/0009-redis-failover.md).
  export REDIS_REPLICA_ACK_TIMEOUT_MS="${REDIS_REPLICA_ACK_TIMEOUT_MS:-100}"
  # Clients that take one address get the first node: a plain client sees MOVED, never the single Redis.
  stack_redis_url="redis://$STACK_HOST:$REDIS_CLUSTER_BASE_PORT"
  stack_kafka_brokers="$(for n in $(kafka_cluster_nodes); do printf '%s:%s,' "$STACK_HOST" "$(kafka_cluster_broker_port "$n")"; done | sed 's/,$//')"
  # Test databases and other admin work without a service of its own go to the order service's server.
  stack_admin_port="$ORDER_MYSQL_PORT"
else
  stack_redis_url="redis://$STACK_HOST:$REDIS_PORT"
  stack_kafka_brokers="$STACK_HOST:$KAFKA_PORT"
  stack_admin_port="$MYSQL_PORT"
fi

# Local-only development credentials; production supplies its own through the environment.
export MYSQL_ADMIN_USER="${MYSQL_ADMIN_USER:-flashsale_admin}"
export MYSQL_ADMIN_PASSWORD="${MYSQL_ADMIN_PASSWORD:-admin-local-only}"
export MYSQL_ADMIN_URL="${MYSQL_ADMIN_URL:-mysql://$MYSQL_ADMIN_USER:$MYSQL_ADMIN_PASSWORD@$STACK_HOST:$stack_admin_port}"
# Redis's default user is the stack's administrator (the preparation, the stack scripts, the tests);
# it has a password, so a process that reaches Redis without credentials can do nothing. The services
# have users of their own (below). redis-cli reads REDISCLI_AUTH.
export REDIS_ADMIN_PASSWORD="${REDIS_ADMIN_PASSWORD:-admin-redis-local-only}"
export REDISCLI_AUTH="$REDIS_ADMIN_PASSWORD"
export REDIS_URL="${REDIS_URL:-${stack_redis_url/redis:\/\//redis://default:$REDIS_ADMIN_PASSWORD@}}"
export KAFKA_BROKERS="${KAFKA_BROKERS:-$stack_kafka_brokers}"
# Kafka authenticates every client (SASL/SCRAM-SHA-512) and its authorizer allows a principal only
# what the event catalog grants it (docs/adr/0013-kafka-principals.md; `npm run kafka:acl` prints
# the grants). The administrator is the brokers' own identity and a super user: the stack's tooling
# and the tests, which isolate their topics by prefix, connect as it. The services have principals
# of their own (below), created with the brokers' storage.
export KAFKA_ADMIN_USER="${KAFKA_ADMIN_USER:-admin}"
export KAFKA_ADMIN_PASSWORD="${KAFKA_ADMIN_PASSWORD:-admin-kafka-local-only}"
export KAFKA_SASL_USERNAME="${KAFKA_SASL_USERNAME:-$KAFKA_ADMIN_USER}"
export KAFKA_SASL_PASSWORD="${KAFKA_SASL_PASSWORD:-$KAFKA_ADMIN_PASSWORD}"
unset stack_redis_url stack_kafka_brokers stack_admin_port

# service name -> database, user, password (local-only)
STACK_SERVICES="order payment inventory reconciler"
service_db() { case "$1" in reconciler) echo "reconciler_service" ;; *) echo "${1}_service" ;; esac; }
service_user() { echo "${1}_svc"; }
service_password() { echo "${1}-local-only"; }
# The server holding a service's schema: the one MariaDB on single, the service's own on cluster.
service_mysql_port() {
  if [ "$STACK_TOPOLOGY" = cluster ]; then
    case "$1" in order) echo "$ORDER_MYSQL_PORT" ;; payment) echo "$PAYMENT_MYSQL_PORT" ;; inventory) echo "$INVENTORY_MYSQL_PORT" ;; reconciler) echo "$RECONCILER_MYSQL_PORT" ;; esac
  else
    echo "$MYSQL_PORT"
  fi
}
service_mysql_url() { echo "mysql://$(service_user "$1"):$(service_password "$1")@$STACK_HOST:$(service_mysql_port "$1")/$(service_db "$1")"; }
# Admin (migrations) on a service's server; on single that is MYSQL_ADMIN_URL, wherever it points.
service_admin_url() {
  if [ "$STACK_TOPOLOGY" = cluster ]; then echo "mysql://$MYSQL_ADMIN_USER:$MYSQL_ADMIN_PASSWORD@$STACK_HOST:$(service_mysql_port "$1")"; else echo "$MYSQL_ADMIN_URL"; fi
}
# On cluster the reconciler has a user of its own on each service's server, with another password
# on each, so no credential opens more than one server.
reconciler_password_on() { echo "reconciler-on-$1-local-only"; }
# Each service process reads MYSQL_URL; `npm start` and the CLIs pass it from these.
export ORDER_MYSQL_URL="${ORDER_MYSQL_URL:-$(service_mysql_url order)}"
export PAYMENT_MYSQL_URL="${PAYMENT_MYSQL_URL:-$(service_mysql_url payment)}"
export INVENTORY_MYSQL_URL="${INVENTORY_MYSQL_URL:-$(service_mysql_url inventory)}"
export RECONCILER_MYSQL_URL="${RECONCILER_MYSQL_URL:-$(service_mysql_url reconciler)}"
export ORDER_MYSQL_ADMIN_URL="${ORDER_MYSQL_ADMIN_URL:-$(service_admin_url order)}"
export PAYMENT_MYSQL_ADMIN_URL="${PAYMENT_MYSQL_ADMIN_URL:-$(service_admin_url payment)}"
export INVENTORY_MYSQL_ADMIN_URL="${INVENTORY_MYSQL_ADMIN_URL:-$(service_admin_url inventory)}"
export RECONCILER_MYSQL_ADMIN_URL="${RECONCILER_MYSQL_ADMIN_URL:-$(service_admin_url reconciler)}"
# The reconciler reads (and repairs through guarded writes) each service's database through a
# connection of its own: on single its user on that schema of the one server (grants.sql), on
# cluster its user on that service's server.
reconciler_mysql_url() {
  if [ "$STACK_TOPOLOGY" = cluster ]; then
    echo "mysql://$(service_user reconciler):$(reconciler_password_on "$1")@$STACK_HOST:$(service_mysql_port "$1")/$(service_db "$1")"
  else
    echo "${RECONCILER_MYSQL_URL%/*}/$(service_db "$1")"
  fi
}
export RECONCILER_ORDER_MYSQL_URL="${RECONCILER_ORDER_MYSQL_URL:-$(reconciler_mysql_url order)}"
export RECONCILER_PAYMENT_MYSQL_URL="${RECONCILER_PAYMENT_MYSQL_URL:-$(reconciler_mysql_url payment)}"
export RECONCILER_INVENTORY_MYSQL_URL="${RECONCILER_INVENTORY_MYSQL_URL:-$(reconciler_mysql_url inventory)}"
# Each service reaches Redis as a user of its own, limited to its keys, channels and commands
# (services/*/src/infra/redis-access.ts; `npm run redis:acl` prints the rules). The stack's
# preparation creates the users from these URLs on every node. REDIS_URL stays the default user:
# the stack's own tooling and the tests, which isolate their keys by prefix or run servers of their own.
service_redis_url() { local server="${REDIS_URL#*://}"; echo "redis://$(service_user "$1"):${1}-redis-local-only@${server#*@}"; }
export ORDER_REDIS_URL="${ORDER_REDIS_URL:-$(service_redis_url order)}"
export PAYMENT_REDIS_URL="${PAYMENT_REDIS_URL:-$(service_redis_url payment)}"
export INVENTORY_REDIS_URL="${INVENTORY_REDIS_URL:-$(service_redis_url inventory)}"
export RECONCILER_REDIS_URL="${RECONCILER_REDIS_URL:-$(service_redis_url reconciler)}"
# Each service's Kafka principal: the user name is the service's (order_svc, …), as in MariaDB and
# Redis. These variables are the one place it is spelled: scripts/start-service.sh, the reconciler
# CLIs (package.json), the stack's grants and the chaos run read them (infra/local/kafka/security.sh
# keeps its own list, since it runs in a broker image without this file).
service_kafka_password() { echo "${1}-kafka-local-only"; }
export ORDER_KAFKA_USER="${ORDER_KAFKA_USER:-$(service_user order)}"
export PAYMENT_KAFKA_USER="${PAYMENT_KAFKA_USER:-$(service_user payment)}"
export INVENTORY_KAFKA_USER="${INVENTORY_KAFKA_USER:-$(service_user inventory)}"
export RECONCILER_KAFKA_USER="${RECONCILER_KAFKA_USER:-$(service_user reconciler)}"
export ORDER_KAFKA_PASSWORD="${ORDER_KAFKA_PASSWORD:-$(service_kafka_password order)}"
export PAYMENT_KAFKA_PASSWORD="${PAYMENT_KAFKA_PASSWORD:-$(service_kafka_password payment)}"
export INVENTORY_KAFKA_PASSWORD="${INVENTORY_KAFKA_PASSWORD:-$(service_kafka_password inventory)}"
export RECONCILER_KAFKA_PASSWORD="${RECONCILER_KAFKA_PASSWORD:-$(service_kafka_password reconciler)}"

# Ports of the services `npm start` runs, and where the demo, load runs and CLIs find them.
export ORDER_PORT="${ORDER_PORT:-3001}" PAYMENT_PORT="${PAYMENT_PORT:-3002}" INVENTORY_PORT="${INVENTORY_PORT:-3003}"
export RECONCILER_PORT="${RECONCILER_PORT:-3004}" PROVIDER_SIM_PORT="${PROVIDER_SIM_PORT:-3005}"
# Instances of each service (order, payment, inventory, reconciler) `npm start` runs: one on single,
# two on cluster, the second on <SERVICE>_PORT_2 (ten above the first unless set). The provider
# simulator stays one. The addresses between services (ORDER_URL, … below) name instance 1.
export SERVICE_INSTANCES="${SERVICE_INSTANCES:-$([ "$STACK_TOPOLOGY" = cluster ] && echo 2 || echo 1)}"
case "$SERVICE_INSTANCES" in
  1 | 2) ;;
  *) echo "SERVICE_INSTANCES must be 1 or 2, not '$SERVICE_INSTANCES'" >&2; return 2 2>/dev/null || exit 2 ;;
esac
export ORDER_PORT_2="${ORDER_PORT_2:-$((ORDER_PORT + 10))}" PAYMENT_PORT_2="${PAYMENT_PORT_2:-$((PAYMENT_PORT + 10))}"
export INVENTORY_PORT_2="${INVENTORY_PORT_2:-$((INVENTORY_PORT + 10))}" RECONCILER_PORT_2="${RECONCILER_PORT_2:-$((RECONCILER_PORT + 10))}"

# Secrets for the local stack only; production passes its own and the services have no defaults.
export JWT_SECRET="${JWT_SECRET:-local-only-jwt-secret-change-me}"
export PAYMENT_WEBHOOK_SECRETS="${PAYMENT_WEBHOOK_SECRETS:-local-only-webhook-secret-1,local-only-webhook-secret-0}"
# Seal restricted event fields (payment writes them, order reads them; docs/eventing.md, "Classification").
export EVENT_ENCRYPTION_KEYS="${EVENT_ENCRYPTION_KEYS:-local-only-1:B1fv5bIUlfvO44zrlR1tuJryJW1FxvdyX5J24yb33GY=}"
export EVENT_ENCRYPTION_KEY_ID="${EVENT_ENCRYPTION_KEY_ID:-local-only-1}"
export PAYMENT_PROVIDER_URL="${PAYMENT_PROVIDER_URL:-http://127.0.0.1:$PROVIDER_SIM_PORT}"
# The payment service asks the order service about an order its Kafka-fed view has not seen yet.
export ORDER_URL="${ORDER_URL:-http://127.0.0.1:$ORDER_PORT}"
# The order service asks the inventory service whether a sale Redis does not know is armed (lost, not missing).
export INVENTORY_URL="${INVENTORY_URL:-http://127.0.0.1:$INVENTORY_PORT}"
# The order service asks the payment service whether an order due to expire was paid meanwhile.
export PAYMENT_URL="${PAYMENT_URL:-http://127.0.0.1:$PAYMENT_PORT}"
export PROVIDER_WEBHOOK_URL="${PROVIDER_WEBHOOK_URL:-http://127.0.0.1:$PAYMENT_PORT/v1/webhooks/provider}"
export PROVIDER_WEBHOOK_SECRET="${PROVIDER_WEBHOOK_SECRET:-local-only-webhook-secret-1}"
export PROVIDER_PUBLIC_URL="${PROVIDER_PUBLIC_URL:-http://127.0.0.1:$PROVIDER_SIM_PORT}"
