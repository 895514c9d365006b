#!/bin/sh
# The docker-compose broker: one KRaft node with the local stack's authentication and authorization
# (infra/local/kafka/security.sh, docs/adr/0013-kafka-principals.md), its storage formatted once
# with the administrator's and the services' SCRAM credentials. Runs in the apache/kafka image.
set -eu
. /infra/local/kafka/security.sh
config=/tmp/kafka/server.properties
data=/tmp/kafka/data
mkdir -p "$data"
{
  cat <<CONF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@kafka:9093
listeners=SASL_PLAINTEXT://:9092,CONTROLLER://:9093,EXTERNAL://:19092
advertised.listeners=SASL_PLAINTEXT://kafka:9092,EXTERNAL://localhost:19092
listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT,EXTERNAL:SASL_PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_PLAINTEXT
listener.name.external.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
log.dirs=$data
auto.create.topics.enable=false
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
CONF
  kafka_security_config
} > "$config"
# What the health check signs in with.
cat > /tmp/kafka/admin.properties <<CONF
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$KAFKA_ADMIN_USER" password="$KAFKA_ADMIN_PASSWORD";
CONF
if [ ! -f "$data/meta.properties" ]; then
  # Word splitting is wanted: one argument per line of kafka_scram_format_args, none with spaces.
  # shellcheck disable=SC2046
  /opt/kafka/bin/kafka-storage.sh format -t "$(/opt/kafka/bin/kafka-storage.sh random-uuid)" -c "$config" $(kafka_scram_format_args)
fi
exec /opt/kafka/bin/kafka-server-start.sh "$config"
