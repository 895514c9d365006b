/**
 * The provider-event inbox. The row is inserted in the transaction that applies the event, so
 * "stored" and "applied (or refused)" commit together; the primary key makes a redelivery a no-op.
 */
import { isDuplicateKey, type Sql } from '@flash-sale/service-kit';
import type { RowDataPacket } from 'mysql2/promise';

export type InboxOutcome =
  | 'APPLIED'
  /** Another event id reporting the outcome the payment already holds (e.g. a webhook after a poll). */
  | 'DUPLICATE'
  | 'REFUSED_ILLEGAL_TRANSITION'
  | 'REFUSED_AMOUNT_MISMATCH'
  | 'UNKNOWN_PAYMENT'
  | 'IGNORED_EVENT_TYPE';

export interface InboxEntry {
  providerEventId: string;
  eventType: string;
  rawBody: string;
  signedAt: Date;
  receivedAt: Date;
}

/** 'duplicate' when this provider event id was stored before (by this or a concurrent delivery). */
export async function insertInboxEntry(sql: Sql, entry: InboxEntry): Promise<'inserted' | 'duplicate'> {
  try {
    await sql.query(`INSERT INTO webhook_inbox (provider_event_id, event_type, raw_body, signed_at, received_at, outcome) VALUES (?, ?, ?, ?, ?, 'RECEIVED')`, [
      entry.providerEventId,
      entry.eventType,
      entry.rawBody,
      entry.signedAt,
      entry.receivedAt,
    ]);
    return 'inserted';
  } catch (error) {
    if (isDuplicateKey(error)) return 'duplicate';
    throw error;
  }
}

export async function settleInboxEntry(
  sql: Sql,
  providerEventId: string,
  result: { outcome: InboxOutcome; detail: string | null; paymentId: string | null; now: Date },
): Promise<void> {
  await sql.query('UPDATE webhook_inbox SET outcome = ?, outcome_detail = ?, payment_id = ?, processed_at = ? WHERE provider_event_id = ?', [
    result.outcome,
    result.detail?.slice(0, 500) ?? null,
    result.paymentId,
    result.now,
    providerEventId,
  ]);
}

/** Counts a redelivery and returns what the first delivery did. */
export async function noteDuplicateDelivery(sql: Sql, providerEventId: string): Promise<InboxOutcome | undefined> {
  await sql.query('UPDATE webhook_inbox SET duplicate_deliveries = duplicate_deliveries + 1 WHERE provider_event_id = ?', [providerEventId]);
  const [rows] = await sql.query<RowDataPacket[]>('SELECT outcome FROM webhook_inbox WHERE provider_event_id = ?', [providerEventId]);
  return rows[0]?.outcome as InboxOutcome | undefined;
}
