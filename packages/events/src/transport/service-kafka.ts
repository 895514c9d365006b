/**
 * A service process's Kafka: its transport, signed in as the service's principal, and an admin
 * connected for the readiness check, registered for shutdown. For a `main.ts` only, after
 * `startServiceRuntime` (service-kit), which makes the other clients.
 */
import type { Lifecycle, Logger, ReadinessCheck } from '@flash-sale/service-kit';
import { createKafkaTransport, type KafkaTarget, type KafkaTransport } from './kafka-transport.ts';
import type { TopicAdmin } from './topic-admin.ts';

export interface ServiceTransport {
  kafka: KafkaTransport;
  /** Connected; disconnected by the lifecycle. */
  kafkaAdmin: TopicAdmin;
}

export async function connectServiceKafka(service: string, config: KafkaTarget, runtime: { logger: Logger; lifecycle: Lifecycle }): Promise<ServiceTransport> {
  const kafka = createKafkaTransport(config, { clientId: `${service}-service`, logger: runtime.logger });
  const kafkaAdmin = runtime.lifecycle.add('kafka-admin', kafka.admin(), (admin) => admin.disconnect());
  await kafkaAdmin.connect();
  return { kafka, kafkaAdmin };
}

/** Ready means a broker answered a real request, not that a port is open. */
export const kafkaReadiness = (admin: TopicAdmin): ReadinessCheck => ({
  name: 'kafka',
  check: async () => {
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) throw new Error('no brokers in cluster metadata');
  },
});
