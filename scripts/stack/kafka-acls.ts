// The services' Kafka grants, derived from the event catalog (packages/events/src/kafka-acls.ts;
// docs/adr/0013-kafka-principals.md). Each service signs in as `<SERVICE>_KAFKA_USER`, created with the
// brokers' storage (infra/local/lib.sh); the stack's preparation applies the grants as the
// administrator and removes any other grant those principals hold.
//   node scripts/stack/kafka-acls.ts --print   the grants, one line each, grouped by principal
//   node scripts/stack/kafka-acls.ts           apply them (KAFKA_BROKERS, KAFKA_SASL_*: the administrator)
import { applyKafkaAcls, createKafkaTransport, formatKafkaAcls, kafkaAcls, type KafkaAclBinding } from '@flash-sale/events';
import { serviceKafkaUser } from '@flash-sale/service-kit';

/** The user name a service signs in to Kafka with (infra/local/env.sh exports it). */
export const kafkaUserOf = (service: string, env: NodeJS.ProcessEnv = process.env) => serviceKafkaUser(service, env);

/** The catalog's grants for the stack's principals, with the prefixes the services run with (none in the stack). */
export function stackKafkaAcls(env: NodeJS.ProcessEnv = process.env): KafkaAclBinding[] {
  return kafkaAcls({ userOf: (service) => kafkaUserOf(service, env), topicPrefix: env.KAFKA_TOPIC_PREFIX ?? '', groupPrefix: env.KAFKA_GROUP_ID_PREFIX ?? '' });
}

export async function applyStackKafkaAcls(env: NodeJS.ProcessEnv = process.env): Promise<{ created: number; deleted: number; total: number }> {
  if (!env.KAFKA_BROKERS) throw new Error('KAFKA_BROKERS must be set (source infra/local/env.sh)');
  const admin = createKafkaTransport(
    { KAFKA_BROKERS: env.KAFKA_BROKERS.split(','), KAFKA_SASL_USERNAME: env.KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD: env.KAFKA_SASL_PASSWORD },
    { clientId: 'stack-kafka-acls', logLevel: 'error' },
  ).admin();
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
