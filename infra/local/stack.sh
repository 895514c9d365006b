#!/usr/bin/env bash
# The local stack without Docker: MariaDB, Redis and a single-broker Kafka, started only when not
# already answering, stopped only when this repository started them (pid files under .data/).
# usage: stack.sh up|stop|status
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../../scripts/toolchain.sh
source "$HERE/../../scripts/toolchain.sh"
source "$HERE/env.sh"
ensure_dependencies

case "${1:-}" in
  up)
    # MariaDB and Redis first; Kafka's JVM start overlaps nothing else on two cores anyway.
    bash "$HERE/mariadb.sh" start
    bash "$HERE/redis.sh" start
    bash "$HERE/kafka.sh" start
    node "$REPO_ROOT/scripts/stack/prepare.ts"
    ;;
  stop)
    bash "$HERE/kafka.sh" stop
    bash "$HERE/redis.sh" stop
    bash "$HERE/mariadb.sh" stop
    ;;
  status)
    bash "$HERE/mariadb.sh" status
    bash "$HERE/redis.sh" status
    bash "$HERE/kafka.sh" status
    ;;
  *) echo "usage: $0 up|stop|status" >&2; exit 2 ;;
esac
