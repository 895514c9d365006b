/**
 * Events that never reached Kafka: outbox rows unpublished for too long (relay down, broker
 * refusing, a row stuck in backoff; docs/consistency.md, "stuck-outbox"). The reconciler publishes
 * them itself, in id order, with the relay's message shape, and marks them; a relay that wakes up
 * and sends one again only causes a duplicate, which every consumer dedupes. The stuck count is
 * also a gauge to alert on.
 */
import { outboxMessage, type EventPublisher, type OutboxRecord } from '@flash-sale/events';
import type { ResultSetHeader } from 'mysql2/promise';
import { Tally, type JobDeps, type ReconciliationJob } from './job.ts';

export const stuckOutboxJob: ReconciliationJob = {
  name: 'stuck-outbox',
  description: 'Outbox rows unpublished past the threshold in any service database: publish them and alert',
  everyMs: 60_000,
  async run(deps: JobDeps) {
    const tally = new Tally(deps.logger);
    const cutoff = new Date(deps.now().getTime() - deps.thresholds.outboxStuckAfterMs);
    let producer: EventPublisher | undefined;
    try {
      for (const service of deps.outboxes) {
        const database = deps.databases[service];
        const [rows] = await database.query<OutboxRecord[]>(
          `SELECT id, event_id, event_type, topic, partition_key, tenant_id, envelope, headers FROM outbox
            WHERE published_at IS NULL AND created_at <= ? ORDER BY id LIMIT 1000`,
          [cutoff],
        );
        deps.metrics.outboxStuck.set({ service }, rows.length);
        tally.checked += rows.length;
        if (rows.length === 0) continue;
        const anomaly = `outbox_unpublished:${service}`;
        for (const row of rows) tally.found(anomaly, row.event_id);
        if (!producer) {
          producer = deps.kafka.publisher();
          await producer.connect();
        }
        const connected = producer;
        // One send per row, in id order: a failure stops nothing else and order per key is kept.
        for (const row of rows) {
          await tally.repair(anomaly, row.event_id, async () => {
            // The row holds the logical topic; the deployment's prefix goes in front, as in the relay.
            await connected.send({ topic: `${deps.topicPrefix}${row.topic}`, acks: -1, messages: [outboxMessage(row)] });
            const [marked] = await database.query<ResultSetHeader>(
              `UPDATE outbox SET published_at = NOW(6), last_error = NULL WHERE id = ? AND published_at IS NULL`,
              [row.id],
            );
            return marked.affectedRows === 1;
          });
        }
        deps.logger.warn({ service, rows: rows.length }, 'outbox rows were stuck; republished by the reconciler');
      }
    } finally {
      await producer?.disconnect();
    }
    return tally.outcome();
  },
};
