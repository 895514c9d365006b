// Exits 0 only when the broker answers an admin describeCluster: an open port is not readiness.
// An optional second argument is how many brokers the cluster must report (a three-broker cluster
// is ready when all three registered, not when the first did).
import { Kafka, logLevel } from 'kafkajs';
import { kafkaAuth } from '@flash-sale/service-kit';

const brokers = (process.argv[2] ?? process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const minimumBrokers = Number(process.argv[3] ?? 1);
const kafka = new Kafka({ clientId: 'stack-ready', brokers, ...kafkaAuth(process.env), logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 1000 });
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
