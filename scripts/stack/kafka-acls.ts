// The services' Kafka grants, derived from the event catalog (packages/events/src/kafka-acls.ts;
// docs/adr/0013-kafka-principals.md). Each service signs in as `<SERVICE>_KAFKA_USER`, created with the
// brokers' storage (infra/local/lib.sh); the stack's preparation applies the grants as the
// administrator and removes any other grant those principals hold.
//   node scripts/stack/kafka-acls.ts --print   the grants, one line each, grouped by principal
//   node scripts/stack/kafka-acls.ts           apply them (KAFKA_BROKERS, KAFKA_SASL_*: the administrator)
import { applyKafkaAcls, formatKafkaAcls, kafkaAcls, type KafkaAclBinding } from '@flash-sale/events';
import { kafkaAuth, serviceKafkaUser } from '@flash-sale/service-kit';
import { Kafka, logLevel } from 'kafkajs';

/** The user name a service signs in to Kafka with (infra/local/env.sh exports it). */
export const kafkaUserOf = (service: string, env: NodeJS.ProcessEnv = process.env) => serviceKafkaUser(service, env);

/** The catalog's grants for the stack's principals, with the prefixes the services run with (none in the stack). */
export function stackKafkaAcls(env: NodeJS.ProcessEnv = process.env): KafkaAclBinding[] {
  return kafkaAcls({ userOf: (service) => kafkaUserOf(service, env), topicPrefix: env.KAFKA_TOPIC_PREFIX ?? '', groupPrefix: env.KAFKA_GROUP_ID_PREFIX ?? '' });
}

export async function applyStackKafkaAcls(env: NodeJS.ProcessEnv = process.env): Promise<{ created: number; deleted: number; total: number }> {
  if (!env.KAFKA_BROKERS) throw new Error('KAFKA_BROKERS must be set (source infra/local/env.sh)');
  const admin = new Kafka({ clientId: 'stack-kafka-acls', brokers: env.KAFKA_BROKERS.split(','), ...kafkaAuth(env), logLevel: logLevel.ERROR }).admin();
  await admin.connect();
  try {
    const bindings = stackKafkaAcls(env);
    return { ...(await applyKafkaAcls(admin, bindings, { prune: true })), total: bindings.length };
  } finally {
    await admin.disconnect();
  }
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  if (process.argv.includes('--print')) {
    console.log(formatKafkaAcls(stackKafkaAcls()));
  } else {
    const result = await applyStackKafkaAcls();
    console.error(`[kafka-acls] ${result.total} grants: ${result.created} created, ${result.deleted} removed`);
  }
}
