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

# Local-only development credentials; production supplies its own through the environment.
export MYSQL_ADMIN_USER="${MYSQL_ADMIN_USER:-flashsale_admin}"
export MYSQL_ADMIN_PASSWORD="${MYSQL_ADMIN_PASSWORD:-admin-local-only}"
export MYSQL_ADMIN_URL="${MYSQL_ADMIN_URL:-mysql://$MYSQL_ADMIN_USER:$MYSQL_ADMIN_PASSWORD@$STACK_HOST:$MYSQL_PORT}"
export REDIS_URL="${REDIS_URL:-redis://$STACK_HOST:$REDIS_PORT}"
export KAFKA_BROKERS="${KAFKA_BROKERS:-$STACK_HOST:$KAFKA_PORT}"

# service name -> database, user, password (local-only)
STACK_SERVICES="order payment inventory reconciler"
service_db() { case "$1" in reconciler) echo "reconciler_service" ;; *) echo "${1}_service" ;; esac; }
service_user() { echo "${1}_svc"; }
service_password() { echo "${1}-local-only"; }
service_mysql_url() { echo "mysql://$(service_user "$1"):$(service_password "$1")@$STACK_HOST:$MYSQL_PORT/$(service_db "$1")"; }
# Each service process reads MYSQL_URL; `npm start` and the CLIs pass it from these.
export ORDER_MYSQL_URL="${ORDER_MYSQL_URL:-$(service_mysql_url order)}"
export PAYMENT_MYSQL_URL="${PAYMENT_MYSQL_URL:-$(service_mysql_url payment)}"
export INVENTORY_MYSQL_URL="${INVENTORY_MYSQL_URL:-$(service_mysql_url inventory)}"
export RECONCILER_MYSQL_URL="${RECONCILER_MYSQL_URL:-$(service_mysql_url reconciler)}"

# Ports of the services `npm start` runs, and where the demo, load runs and CLIs find them.
export ORDER_PORT="${ORDER_PORT:-3001}" PAYMENT_PORT="${PAYMENT_PORT:-3002}" INVENTORY_PORT="${INVENTORY_PORT:-3003}"
export RECONCILER_PORT="${RECONCILER_PORT:-3004}" PROVIDER_SIM_PORT="${PROVIDER_SIM_PORT:-3005}"

# Secrets for the local stack only; production passes its own and the services have no defaults.
export JWT_SECRET="${JWT_SECRET:-local-only-jwt-secret-change-me}"
export PAYMENT_WEBHOOK_SECRETS="${PAYMENT_WEBHOOK_SECRETS:-local-only-webhook-secret-1,local-only-webhook-secret-0}"
export PAYMENT_PROVIDER_URL="${PAYMENT_PROVIDER_URL:-http://127.0.0.1:$PROVIDER_SIM_PORT}"
# The payment service asks the order service about an order its Kafka-fed view has not seen yet.
export ORDER_URL="${ORDER_URL:-http://127.0.0.1:$ORDER_PORT}"
# The order service asks the inventory service whether a sale Redis does not know is armed (lost, not missing).
export INVENTORY_URL="${INVENTORY_URL:-http://127.0.0.1:$INVENTORY_PORT}"
export PROVIDER_WEBHOOK_URL="${PROVIDER_WEBHOOK_URL:-http://127.0.0.1:$PAYMENT_PORT/v1/webhooks/provider}"
export PROVIDER_WEBHOOK_SECRET="${PROVIDER_WEBHOOK_SECRET:-local-only-webhook-secret-1}"
export PROVIDER_PUBLIC_URL="${PROVIDER_PUBLIC_URL:-http://127.0.0.1:$PROVIDER_SIM_PORT}"
