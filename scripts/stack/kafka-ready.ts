// Exits 0 only when the broker answers an admin describeCluster: an open port is not readiness.
// An optional second argument is how many brokers the cluster must report (a three-broker cluster
// is ready when all three registered, not when the first did).
import { createKafkaTransport } from '@flash-sale/events';

const brokers = (process.argv[2] ?? process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const minimumBrokers = Number(process.argv[3] ?? 1);
const kafka = createKafkaTransport(
  { KAFKA_BROKERS: brokers, KAFKA_SASL_USERNAME: process.env.KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD: process.env.KAFKA_SASL_PASSWORD },
  { clientId: 'stack-ready', logLevel: 'nothing', retry: { retries: 0 }, connectionTimeoutMs: 1000 },
);
const admin = kafka.admin();
try {
  await admin.connect();
  const cluster = await admin.describeCluster();
  process.exitCode = cluster.brokers.length >= minimumBrokers ? 0 : 1;
} catch {
  process.exitCode = 1;
} finally {
  await admin.disconnect().catch(() => undefined);
}
