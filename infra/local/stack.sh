#!/usr/bin/env bash
# The local stack without Docker: MariaDB, Redis and a single-broker Kafka (with
# STACK_TOPOLOGY=cluster: a Redis Cluster, three brokers and a MariaDB server per service), started
# only when not already answering, stopped only when this repository started them (pid files under
# .data/).
# usage: stack.sh up|stop|status
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../../scripts/toolchain.sh
source "$HERE/../../scripts/toolchain.sh"
source "$HERE/env.sh"
ensure_dependencies
# STACK_TOPOLOGY=cluster runs the same steps with the cluster's scripts (infra/local/*-cluster.sh).
topology=''
[ "$STACK_TOPOLOGY" = cluster ] && topology='-cluster'

case "${1:-}" in
  up)
    # MariaDB and Redis first; Kafka's JVM start overlaps nothing else on two cores anyway.
    bash "$HERE/mariadb$topology.sh" start
    bash "$HERE/redis$topology.sh" start
    bash "$HERE/kafka$topology.sh" start
    node "$REPO_ROOT/scripts/stack/prepare.ts"
    ;;
  stop)
    bash "$HERE/kafka$topology.sh" stop
    bash "$HERE/redis$topology.sh" stop
    bash "$HERE/mariadb$topology.sh" stop
    ;;
  status)
    echo "topology $STACK_TOPOLOGY"
    bash "$HERE/mariadb$topology.sh" status
    bash "$HERE/redis$topology.sh" status
    bash "$HERE/kafka$topology.sh" status
    ;;
  *) echo "usage: $0 up|stop|status" >&2; exit 2 ;;
esac
