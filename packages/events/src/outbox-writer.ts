/**
 * Writes outbox rows inside the caller's transaction, so the event exists if and only if the
 * state change it announces committed. Several events go in one multi-row INSERT (group commit).
 * Restricted payload fields are sealed before the row is built, so neither the outbox table nor
 * the topic holds them in clear.
 */
import mysql, { type Connection, type PoolConnection } from 'mysql2/promise';
import type { z } from 'zod';
import { sealEnvelope } from './crypto/field-encryption.ts';
import type { FieldKeyring } from './crypto/field-keys.ts';
import { createEnvelope, type Envelope, type EventContext } from './envelope.ts';
import type { EventDefinition } from './registry.ts';
import { activeTraceparent, parseTraceparent } from './trace-context.ts';

export type SqlExecutor = Pick<Connection | PoolConnection, 'query'>;

export interface PendingEvent {
  definition: EventDefinition;
  envelope: Envelope;
  /** W3C traceparent of the producing span, carried to the Kafka headers by the relay. */
  traceparent?: string;
}

export interface PrepareOptions {
  /**
   * Seals the definition's restricted fields. The producing service's main refuses to start
   * without keys (`loadFieldKeysOrExit`); only a harness under NODE_ENV=test omits them.
   */
  fieldKeys?: FieldKeyring | undefined;
}

/** Builds (and validates) an event for a later `writeOutbox`; throws on an invalid payload. */
export function prepareEvent<S extends z.ZodObject>(
  definition: EventDefinition<S>,
  payload: z.input<S>,
  context: EventContext & { traceparent?: string },
  now: Date,
  options: PrepareOptions = {},
): PendingEvent {
  const parsed = definition.payload.parse(payload);
  const traceparent = context.traceparent ?? activeSpanOfTrace(context.traceId);
  // The envelope's trace id and the traceparent header must name the same trace.
  const traceId = context.traceId ?? parseTraceparent(traceparent)?.traceId;
  const clear = createEnvelope(
    definition.type,
    parsed as Record<string, unknown>,
    definition.partitionKey(parsed),
    { ...context, ...(traceId ? { traceId } : {}) },
    now,
  );
  const envelope = options.fieldKeys ? sealEnvelope(clear, definition, options.fieldKeys) : clear;
  return { definition: definition, envelope, ...(traceparent ? { traceparent } : {}) };
}

/**
 * Under an OpenTelemetry SDK, a producer that names no traceparent (an HTTP handler) records the
 * span it runs in (the request's), so the relay's publish span hangs under it; unless that span is
 * of another trace than the one the event names (a webhook acting on an order traced earlier).
 * Without an SDK there is no active span and nothing is recorded, as before.
 */
function activeSpanOfTrace(traceId: string | undefined): string | undefined {
  const active = activeTraceparent();
  if (!active || (traceId !== undefined && parseTraceparent(active)?.traceId !== traceId)) return undefined;
  return active;
}

export async function writeOutbox(executor: SqlExecutor, events: readonly PendingEvent[]): Promise<void> {
  if (events.length === 0) return;
  await executor.query(writeOutboxSql(events));
}

/** The multi-row INSERT for `events`, for callers that send several statements in one batch. */
export function writeOutboxSql(events: readonly PendingEvent[]): string {
  const rows = events.map(({ definition, envelope, traceparent }) => [
    envelope.id,
    envelope.type,
    definition.topic,
    envelope.metadata.partition_key,
    envelope.metadata.tenant_id,
    JSON.stringify(envelope),
    JSON.stringify(traceparent ? { traceparent } : {}),
    new Date(envelope.occurred_at),
  ]);
  return mysql.format('INSERT INTO outbox (event_id, event_type, topic, partition_key, tenant_id, envelope, headers, created_at) VALUES ?', [rows]);
}
