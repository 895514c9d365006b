#!/usr/bin/env bash
# Apache Kafka as a single KRaft broker (combined broker + controller), run from the official jars
# that Maven Central serves. The version is one setting (KAFKA_VERSION); nothing here depends on a
# 3.9 specific. usage: kafka.sh start|stop|status
COMPONENT=kafka
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DIR="$STACK_DATA_DIR/kafka"
LIBS="$REPO_ROOT/.tools/kafka-$KAFKA_VERSION/libs"
CONFIG="$DIR/server.properties"
answers() { node "$REPO_ROOT/scripts/stack/kafka-ready.ts" "$KAFKA_BROKERS"; }

fetch_jars() {
  [ -f "$LIBS/.complete" ] && return 0
  command -v mvn >/dev/null 2>&1 || apt_install mvn maven
  command -v java >/dev/null 2>&1 || apt_install java openjdk-17-jre-headless
  local binding=log4j-slf4j2-impl
  case "$KAFKA_VERSION" in 3.*) binding=log4j-slf4j-impl ;; esac # Kafka 3.x logs through slf4j 1.7
  local work="$REPO_ROOT/.tools/kafka-$KAFKA_VERSION"
  mkdir -p "$work"
  sed -e "s/@KAFKA_VERSION@/$KAFKA_VERSION/" -e "s/@SLF4J_BINDING@/$binding/" \
    "$REPO_ROOT/infra/local/kafka/pom.xml.template" > "$work/pom.xml"
  log "resolving Kafka $KAFKA_VERSION jars from Maven Central (once, about 50 MB)"
  # Maven's own transfer lines would be hundreds; a line every 10 s says it is moving and how far.
  (cd "$work" && mvn -B -Dstyle.color=never dependency:copy-dependencies -DoutputDirectory="$LIBS" -DincludeScope=runtime >"$work/mvn.log" 2>&1) &
  local mvn_pid=$! started=$SECONDS next=$((SECONDS + 10))
  while kill -0 "$mvn_pid" 2>/dev/null; do
    if [ "$SECONDS" -ge "$next" ]; then
      log "… $(grep -c '^Downloaded from' "$work/mvn.log" || true) files downloaded in $((SECONDS - started)) s"
      next=$((SECONDS + 10))
    fi
    sleep 1
  done
  wait "$mvn_pid" || { cat "$work/mvn.log" >&2; die "could not resolve Kafka $KAFKA_VERSION from Maven Central"; }
  touch "$LIBS/.complete"
  log "Kafka $KAFKA_VERSION jars ready in $((SECONDS - started)) s ($(find "$LIBS" -name '*.jar' | wc -l) jars)"
}

java_run() { java -cp "$LIBS/*" -Dlog4j2.configurationFile="$REPO_ROOT/infra/local/kafka/log4j2.xml" -Dkafka.logs.dir="$DIR/logs" "$@"; }

write_config() {
  mkdir -p "$DIR/logs"
  cat > "$CONFIG" <<CONF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$STACK_HOST:$KAFKA_CONTROLLER_PORT
listeners=SASL_PLAINTEXT://$STACK_HOST:$KAFKA_PORT,CONTROLLER://$STACK_HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=SASL_PLAINTEXT://$STACK_HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_PLAINTEXT
listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT
$(kafka_security_config)
log.dirs=$DIR/data
auto.create.topics.enable=false
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
log.retention.hours=168
delete.topic.enable=true
CONF
}

start() {
  if answers; then log "already answering on $KAFKA_BROKERS; nothing to start"; return 0; fi
  fetch_jars
  write_config
  if [ -f "$DIR/data/meta.properties" ] && ! kafka_storage_matches_principals "$DIR/data"; then
    log "storage was formatted with other principals (or none); setting it aside as $DIR/data.before-principals"
    rm -rf "$DIR/data.before-principals" && mv "$DIR/data" "$DIR/data.before-principals"
  fi
  if [ ! -f "$DIR/data/meta.properties" ]; then
    local cluster_id scram; cluster_id="$(java_run kafka.tools.StorageTool random-uuid | tail -1)"
    mapfile -t scram < <(kafka_scram_format_args)
    log "formatting storage (cluster $cluster_id) with the administrator and the services' principals"
    java_run kafka.tools.StorageTool format -t "$cluster_id" -c "$CONFIG" "${scram[@]}" >"$DIR/format.log" 2>&1 \
      || { cat "$DIR/format.log" >&2; die "storage format failed"; }
    kafka_principals_fingerprint > "$DIR/data/.principals"
  fi
  log "starting Kafka $KAFKA_VERSION on $KAFKA_BROKERS"
  KAFKA_HEAP="${KAFKA_HEAP:--Xms256m -Xmx1g}"
  # shellcheck disable=SC2086
  setsid java $KAFKA_HEAP -XX:+UseG1GC -Djava.awt.headless=true -cp "$LIBS/*" \
    -Dlog4j2.configurationFile="$REPO_ROOT/infra/local/kafka/log4j2.xml" -Dkafka.logs.dir="$DIR/logs" \
    kafka.Kafka "$CONFIG" </dev/null >"$DIR/logs/stdout.log" 2>&1 &
  echo $! > "$(pid_file kafka)"
  wait_until 120 "Kafka (admin describeCluster)" answers || { tail -n 30 "$DIR/logs/server.log" "$DIR/logs/stdout.log" >&2; die "did not come up"; }
}

status() {
  if answers; then
    echo "kafka    up    $KAFKA_BROKERS  pid=$(our_pid kafka || echo 'not ours')  $KAFKA_VERSION"
  else
    echo "kafka    down  $KAFKA_BROKERS"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop_ours kafka ;;
  status) status ;;
  fetch) fetch_jars ;; # the cluster's brokers (kafka-cluster.sh) run the same jars
  *) die "usage: $0 start|stop|status|fetch" ;;
esac
