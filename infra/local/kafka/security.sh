# shellcheck shell=sh
# A broker's authentication and authorization (docs/adr/0013-kafka-principals.md), the same for the
# single broker, each node of the cluster (infra/local/lib.sh) and the docker-compose broker
# (compose-broker.sh); POSIX sh, for the broker image's shell too. Reads KAFKA_ADMIN_USER,
# KAFKA_ADMIN_PASSWORD and <SERVICE>_KAFKA_PASSWORD (infra/local/env.sh).
#
# Clients and the brokers among themselves use SASL/SCRAM-SHA-512 on the SASL_PLAINTEXT listener;
# the controller listener uses SASL/PLAIN with the administrator alone, since KRaft controllers
# cannot read SCRAM credentials from the log they serve. StandardAuthorizer refuses whatever no ACL
# allows; the administrator is the one super user.
kafka_security_config() {
  cat <<CONF
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$KAFKA_ADMIN_USER" password="$KAFKA_ADMIN_PASSWORD";
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="$KAFKA_ADMIN_USER" password="$KAFKA_ADMIN_PASSWORD" user_$KAFKA_ADMIN_USER="$KAFKA_ADMIN_PASSWORD";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:$KAFKA_ADMIN_USER
CONF
}

# The SCRAM credentials a broker's storage is formatted with: the administrator (the brokers' own
# identity, needed before any broker can answer) and each service's principal, named as its
# MariaDB and Redis users. One `--add-scram` and its value per line. The names repeat
# <SERVICE>_KAFKA_USER of infra/local/env.sh on purpose: this file also runs in the docker-compose
# broker's image, where env.sh is not; a change of name is made in both.
kafka_scram_format_args() {
  printf -- '--add-scram\nSCRAM-SHA-512=[name=%s,password=%s]\n' \
    "$KAFKA_ADMIN_USER" "$KAFKA_ADMIN_PASSWORD" \
    order_svc "$ORDER_KAFKA_PASSWORD" \
    payment_svc "$PAYMENT_KAFKA_PASSWORD" \
    inventory_svc "$INVENTORY_KAFKA_PASSWORD" \
    reconciler_svc "$RECONCILER_KAFKA_PASSWORD"
}
