/**
 * Redrive a consumer's dead-letter or quarantine entries.
 *
 *   node packages/events/src/cli/redrive.ts list    --consumer inventory [--quarantine]
 *   node packages/events/src/cli/redrive.ts redrive --consumer inventory [--quarantine] (--offset 3 --offset 7 | --all)
 *
 * Brokers come from KAFKA_BROKERS; KAFKA_TOPIC_PREFIX (if set) goes in front of the consumer's
 * dead-letter or quarantine topic, not of an explicit --topic. Listing prints one JSON line per entry (without the payload
 * bytes, which may hold PII); redrive republishes to each entry's original topic.
 */
import { parseArgs } from 'node:util';
import { readDeadLetters, redrive, selectRecords } from '../redrive.ts';
import { deadLetterTopic, quarantineTopic, type ServiceName } from '../topics.ts';
import { createKafkaTransport } from '../transport/kafka-transport.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    consumer: { type: 'string' },
    quarantine: { type: 'boolean', default: false },
    topic: { type: 'string' },
    offset: { type: 'string', multiple: true },
    all: { type: 'boolean', default: false },
  },
});
const command = positionals[0];
const brokers = process.env.KAFKA_BROKERS;
if ((command !== 'list' && command !== 'redrive') || (!values.consumer && !values.topic) || !brokers) {
  process.stderr.write('usage: redrive.ts list|redrive --consumer <name> [--quarantine] [--offset N ... | --all]   (needs KAFKA_BROKERS)\n');
  process.exit(2);
}
const consumer = (values.consumer ?? '') as ServiceName;
const topic = values.topic ?? `${process.env.KAFKA_TOPIC_PREFIX ?? ''}${values.quarantine ? quarantineTopic(consumer) : deadLetterTopic(consumer)}`;
const kafka = createKafkaTransport(
  { KAFKA_BROKERS: brokers.split(','), KAFKA_SASL_USERNAME: process.env.KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD: process.env.KAFKA_SASL_PASSWORD },
  { clientId: 'redrive-cli', logLevel: 'warn' },
);
const records = await readDeadLetters(kafka, topic);

if (command === 'list') {
  for (const { partition, offset, entry } of records) {
    const { original } = entry;
    process.stdout.write(
      `${JSON.stringify({ partition, offset, kind: entry.kind, event: entry.event, attempts: entry.attempts, error: entry.error, failed_at: entry.failed_at, original: { topic: original.topic, partition: original.partition, offset: original.offset } })}\n`,
    );
  }
  process.stderr.write(`${records.length} entries in ${topic}\n`);
} else {
  if (!values.all && !values.offset?.length) {
    process.stderr.write('redrive needs --offset N (repeatable) or --all\n');
    process.exit(2);
  }
  const chosen = selectRecords(records, values.all ? 'all' : (values.offset ?? []));
  const sent = await redrive(kafka, topic, chosen);
  process.stdout.write(`redrove ${sent} entries from ${topic}\n`);
}
