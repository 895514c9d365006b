/**
 * The entries of the dead-letter and quarantine topics, as an operator decides on them: why each
 * failed, how often it was tried, which event and whose tenant. The payload bytes stay out (they
 * may hold personal data), as in `node packages/events/src/cli/redrive.ts list`. The tenant is read from the original
 * envelope; an entry whose bytes do not parse (a poison pill) belongs to no tenant, so only
 * platform-ops see it.
 */
import { readDeadLetters, type DeadLetterRecord } from '@flash-sale/events';
import type { JobDeps } from '../../application/jobs/job.ts';
import type { DeadLetterView } from './console-contract.ts';

/** The envelope's tenant, or null when the original bytes are not an envelope. */
export function tenantOfEntry(record: DeadLetterRecord): string | null {
  const value = record.entry.original.value;
  if (value === null) return null;
  try {
    const envelope = JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as { metadata?: { tenant_id?: unknown } };
    const tenant = envelope.metadata?.tenant_id;
    return typeof tenant === 'string' ? tenant : null;
  } catch {
    return null;
  }
}

export function viewOf(topic: string, record: DeadLetterRecord): DeadLetterView {
  const { entry } = record;
  return {
    topic,
    partition: record.partition,
    offset: record.offset,
    kind: entry.kind,
    consumer: entry.consumer,
    attempts: entry.attempts,
    failed_at: entry.failed_at,
    error: { code: entry.error.code, message: entry.error.message },
    event_id: entry.event.id ?? null,
    event_type: entry.event.type ?? null,
    tenant_id: tenantOfEntry(record),
    original: { topic: entry.original.topic, partition: entry.original.partition, offset: entry.original.offset },
  };
}

/** Every watched topic's entries (topics read side by side: each read joins a throwaway group). */
export async function readAllDeadLetters(deps: Pick<JobDeps, 'kafka' | 'deadLetterTopics'>): Promise<Array<{ topic: string; records: DeadLetterRecord[] }>> {
  return Promise.all(deps.deadLetterTopics.map(async (topic) => ({ topic, records: await readDeadLetters(deps.kafka, topic, { timeoutMs: 15_000 }) })));
}
