#!/usr/bin/env bash
# Apache Kafka as three KRaft nodes, each a combined broker + controller, forming a three-voter
# quorum; the same official jars as the single broker (kafka.sh fetch). Topics get replication
# factor 3 and min.insync.replicas 2 from the brokers' defaults (ensureTopics asks for the broker
# default), so a write acknowledged with acks=all survives the loss of any one broker.
# usage: kafka-cluster.sh start|stop|status
COMPONENT=kafka-cluster
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BASE="$STACK_DATA_DIR/kafka-cluster"
LIBS="$REPO_ROOT/.tools/kafka-$KAFKA_VERSION/libs"
# Three brokers run beside the single one on a small machine: small heaps.
KAFKA_CLUSTER_HEAP="${KAFKA_CLUSTER_HEAP:--Xms128m -Xmx384m}"

node_dir() { echo "$BASE/$1"; }
broker_address() { echo "$STACK_HOST:$(kafka_cluster_broker_port "$1")"; }
node_answers() { node "$REPO_ROOT/scripts/stack/kafka-ready.ts" "$(broker_address "$1")"; }
all_registered() { node "$REPO_ROOT/scripts/stack/kafka-ready.ts" "$KAFKA_BROKERS" 3; }
java_run() { java -cp "$LIBS/*" -Dlog4j2.configurationFile="$REPO_ROOT/infra/local/kafka/log4j2.xml" -Dkafka.logs.dir="$BASE/format-logs" "$@"; }

voters() {
  local n out=''
  for n in $(kafka_cluster_nodes); do out+="$n@$STACK_HOST:$(kafka_cluster_controller_port "$n"),"; done
  echo "${out%,}"
}

write_config() { # <node id>
  local n="$1" dir; dir="$(node_dir "$1")"
  mkdir -p "$dir/logs"
  cat > "$dir/server.properties" <<CONF
process.roles=broker,controller
node.id=$n
controller.quorum.voters=$(voters)
listeners=SASL_PLAINTEXT://$(broker_address "$n"),CONTROLLER://$STACK_HOST:$(kafka_cluster_controller_port "$n")
advertised.listeners=SASL_PLAINTEXT://$(broker_address "$n")
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_PLAINTEXT
listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT
$(kafka_security_config)
log.dirs=$dir/data
auto.create.topics.enable=false
num.partitions=1
default.replication.factor=3
min.insync.replicas=2
offsets.topic.replication.factor=3
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
unclean.leader.election.enable=false
group.initial.rebalance.delay.ms=0
log.retention.hours=168
delete.topic.enable=true
CONF
}

# Every node is formatted with the same cluster id, kept beside the nodes for later formats.
cluster_id() {
  local file="$BASE/cluster-id"
  if [ ! -s "$file" ]; then mkdir -p "$BASE"; java_run kafka.tools.StorageTool random-uuid | tail -1 > "$file"; fi
  cat "$file"
}

start_node() { # <node id>
  local n="$1" dir; dir="$(node_dir "$1")"
  if node_answers "$n"; then log "broker $n already answering on $(broker_address "$n"); nothing to start"; return 0; fi
  # A broker of ours that runs but does not answer yet (no controller quorum without its peers) is
  # waited for, not started twice: a second JVM would fail on the taken ports and its pid would
  # replace the running one's, which no stop would then find.
  if our_pid "kafka-cluster-$n" >/dev/null; then log "broker $n running, not answering yet; waiting for its peers"; return 0; fi
  write_config "$n"
  if [ ! -f "$dir/data/meta.properties" ]; then
    local scram; mapfile -t scram < <(kafka_scram_format_args)
    log "formatting storage of broker $n (cluster $(cluster_id)) with the administrator and the services' principals"
    java_run kafka.tools.StorageTool format -t "$(cluster_id)" -c "$dir/server.properties" "${scram[@]}" >"$dir/format.log" 2>&1 \
      || { cat "$dir/format.log" >&2; die "storage format of broker $n failed"; }
    kafka_principals_fingerprint > "$dir/data/.principals"
  fi
  log "starting broker $n on $(broker_address "$n") (controller :$(kafka_cluster_controller_port "$n"))"
  # shellcheck disable=SC2086
  setsid java $KAFKA_CLUSTER_HEAP -XX:+UseG1GC -Djava.awt.headless=true -cp "$LIBS/*" \
    -Dlog4j2.configurationFile="$REPO_ROOT/infra/local/kafka/log4j2.xml" -Dkafka.logs.dir="$dir/logs" \
    kafka.Kafka "$dir/server.properties" </dev/null >"$dir/logs/stdout.log" 2>&1 &
  echo $! > "$(pid_file "kafka-cluster-$n")"
}

start() {
  if all_registered; then log "all three brokers answering on $KAFKA_BROKERS; nothing to start"; return 0; fi
  bash "$(dirname "${BASH_SOURCE[0]}")/kafka.sh" fetch
  local n
  # One cluster, one format: a node formatted with other principals (or none) sets all three aside.
  for n in $(kafka_cluster_nodes); do
    if [ -f "$(node_dir "$n")/data/meta.properties" ] && ! kafka_storage_matches_principals "$(node_dir "$n")/data"; then
      log "storage was formatted with other principals (or none); setting the cluster's aside as $BASE.before-principals"
      rm -rf "$BASE.before-principals" && mv "$BASE" "$BASE.before-principals"
      break
    fi
  done
  # All nodes before any wait: a controller alone has no quorum, so no broker is ready before two are up.
  for n in $(kafka_cluster_nodes); do start_node "$n"; done
  wait_until 180 "Kafka cluster (describeCluster reports 3 brokers)" all_registered || {
    for n in $(kafka_cluster_nodes); do tail -n 15 "$(node_dir "$n")/logs/server.log" "$(node_dir "$n")/logs/stdout.log" >&2 || true; done
    die "the three brokers did not come up"
  }
}

stop() {
  local n
  # All at once: stopped one by one, the last broker has no controller quorum left to shut down
  # through and waits until it is killed.
  for n in $(kafka_cluster_nodes); do stop_ours "kafka-cluster-$n" & done
  wait
}

status() {
  local n
  for n in $(kafka_cluster_nodes); do
    if node_answers "$n"; then
      echo "kafka    up    $(broker_address "$n")  pid=$(our_pid "kafka-cluster-$n" || echo 'not ours')  $KAFKA_VERSION broker+controller $n"
    else
      echo "kafka    down  $(broker_address "$n")"
    fi
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) die "usage: $0 start|stop|status" ;;
esac
