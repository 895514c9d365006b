#!/usr/bin/env bash
# Redis from Debian's packages: AOF fsynced before each reply (`appendfsync always`, so a reservation
# Redis acknowledged survives its crash; docs/adr/0009-redis-failover.md) and noeviction (BullMQ and
# stock holds must never be evicted). usage: redis.sh start|stop|status
COMPONENT=redis
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DIR="$STACK_DATA_DIR/redis"
answers() { [ "$(redis-cli -h "$STACK_HOST" -p "$REDIS_PORT" PING 2>/dev/null)" = "PONG" ]; }

start() {
  apt_install redis-server redis-server redis-tools
  if answers; then log "already answering on port $REDIS_PORT; nothing to start"; return 0; fi
  mkdir -p "$DIR"
  cat > "$DIR/redis.conf" <<CONF
bind $STACK_HOST
port $REDIS_PORT
dir $DIR
daemonize no
appendonly yes
appendfsync always
save ""
maxmemory-policy noeviction
logfile $DIR/redis.log
# The services' users (scripts/stack/redis-users.ts, applied and saved by the stack's preparation).
aclfile $DIR/users.acl
CONF
  write_redis_acl_file "$DIR/users.acl"
  log "starting on $STACK_HOST:$REDIS_PORT"
  setsid redis-server "$DIR/redis.conf" </dev/null >/dev/null 2>&1 &
  echo $! > "$(pid_file redis)"
  wait_until 30 "Redis (PING)" answers || { tail -20 "$DIR/redis.log" >&2; die "did not come up"; }
}

status() {
  if answers; then
    echo "redis    up    $STACK_HOST:$REDIS_PORT  pid=$(our_pid redis || echo 'not ours')  $(redis-cli -h "$STACK_HOST" -p "$REDIS_PORT" INFO server | sed -n 's/^redis_version:\(.*\)\r$/\1/p')"
  else
    echo "redis    down  $STACK_HOST:$REDIS_PORT"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop_ours redis ;;
  status) status ;;
  *) die "usage: $0 start|stop|status" ;;
esac
