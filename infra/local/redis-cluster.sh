#!/usr/bin/env bash
# A Redis Cluster of 3 masters + 3 replicas from Debian's redis-server, each node with AOF fsynced
# before each reply and noeviction like the single Redis (redis.sh), formed once with `redis-cli --cluster create`.
# Nodes keep their cluster state in nodes.conf, so a stopped cluster comes back as it was.
# usage: redis-cluster.sh start|stop|status
COMPONENT=redis-cluster
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

node_dir() { echo "$STACK_DATA_DIR/redis-cluster/$1"; }
node_cli() { local port="$1"; shift; redis-cli -h "$STACK_HOST" -p "$port" "$@"; }
node_answers() { [ "$(node_cli "$1" PING 2>/dev/null)" = "PONG" ]; }
cluster_field() { node_cli "$1" CLUSTER INFO 2>/dev/null | sed -n "s/^$2:\([^\r]*\)\r\{0,1\}$/\1/p"; }
# Formed: every slot served and all six nodes known, as seen from the first node.
cluster_ok() {
  [ "$(cluster_field "$REDIS_CLUSTER_BASE_PORT" cluster_state)" = ok ] \
    && [ "$(cluster_field "$REDIS_CLUSTER_BASE_PORT" cluster_known_nodes)" = 6 ]
}

start_node() {
  local port="$1" dir; dir="$(node_dir "$1")"
  if node_answers "$port"; then log "node $port already answering; nothing to start"; return 0; fi
  mkdir -p "$dir"
  cat > "$dir/redis.conf" <<CONF
bind $STACK_HOST
port $port
dir $dir
daemonize no
cluster-enabled yes
cluster-config-file nodes.conf
cluster-node-timeout 5000
appendonly yes
appendfsync always
save ""
maxmemory-policy noeviction
# A replica's first sync (and its resync after a failover) starts at once, not after 5 s.
repl-diskless-sync-delay 0
logfile $dir/redis.log
# The services' users (scripts/stack/redis-users.ts, applied to every node and saved by the stack's
# preparation: ACLs are not replicated, and a node that restarts loads them from here).
aclfile $dir/users.acl
# A replica syncs from its master as the default user, which has a password (infra/local/env.sh).
masteruser default
masterauth $REDIS_ADMIN_PASSWORD
CONF
  write_redis_acl_file "$dir/users.acl"
  log "starting node on $STACK_HOST:$port"
  setsid redis-server "$dir/redis.conf" </dev/null >/dev/null 2>&1 &
  echo $! > "$(pid_file "redis-cluster-$port")"
}

start() {
  apt_install redis-server redis-server redis-tools
  local port
  for port in $(redis_cluster_ports); do start_node "$port"; done
  for port in $(redis_cluster_ports); do
    wait_until 30 "node $port (PING)" node_answers "$port" || { tail -20 "$(node_dir "$port")/redis.log" >&2; die "node $port did not come up"; }
  done
  if cluster_ok; then log "cluster already formed"; return 0; fi
  # Six fresh nodes (each knows only itself, no slot assigned) are formed here; nodes that were
  # formed before find each other again from nodes.conf and only need time.
  local fresh=1
  for port in $(redis_cluster_ports); do
    [ "$(cluster_field "$port" cluster_known_nodes)" = 1 ] && [ "$(cluster_field "$port" cluster_slots_assigned)" = 0 ] || fresh=0
  done
  if [ "$fresh" = 1 ]; then
    log "creating the cluster: 3 masters, 1 replica each"
    # shellcheck disable=SC2046
    redis-cli --cluster create $(for p in $(redis_cluster_ports); do printf '%s:%s ' "$STACK_HOST" "$p"; done) \
      --cluster-replicas 1 --cluster-yes >"$STACK_DATA_DIR/redis-cluster/create.log" 2>&1 \
      || { cat "$STACK_DATA_DIR/redis-cluster/create.log" >&2; die "redis-cli --cluster create failed"; }
  fi
  wait_until 60 "Redis Cluster (cluster_state:ok, 6 nodes)" cluster_ok \
    || { node_cli "$REDIS_CLUSTER_BASE_PORT" CLUSTER NODES >&2 || true; die "cluster did not reach state ok"; }
}

stop() {
  local port
  for port in $(redis_cluster_ports); do stop_ours "redis-cluster-$port"; done
}

status() {
  local port role
  for port in $(redis_cluster_ports); do
    if node_answers "$port"; then
      role="$(node_cli "$port" ROLE 2>/dev/null | head -1)"
      echo "redis    up    $STACK_HOST:$port  pid=$(our_pid "redis-cluster-$port" || echo 'not ours')  $role cluster_state=$(cluster_field "$port" cluster_state)"
    else
      echo "redis    down  $STACK_HOST:$port"
    fi
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) die "usage: $0 start|stop|status" ;;
esac
