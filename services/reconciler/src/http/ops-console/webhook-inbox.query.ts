/**
 * The payment service's webhook inbox as the reconciler's payment connection reads it (ADR 0010:
 * one service's tables per statement, so the payment join stays inside the payment database).
 * An inbox row names its payment once one matched; the payment names the tenant. Rows that matched
 * no payment (an unknown payment, an ignored event type) belong to no tenant: platform-ops only.
 */
import { utcDate } from '@flash-sale/service-kit';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { InboxEntry, InboxSummary } from './console-contract.ts';

interface InboxRow extends RowDataPacket {
  provider_event_id: string;
  event_type: string;
  payment_id: string | null;
  order_id: string | null;
  tenant_id: string | null;
  signed_at: string;
  received_at: string;
  processed_at: string | null;
  outcome: string;
  outcome_detail: string | null;
  duplicate_deliveries: number;
}

interface OutcomeRow extends RowDataPacket {
  outcome: string;
  entries: string | number;
  redeliveries: string | number | null;
}

const iso = (value: string | null) => (value === null ? null : utcDate(value).toISOString());

export interface InboxFilter {
  /** Only rows tied to this tenant's payments; undefined: every row (platform-ops). */
  tenantId: string | undefined;
  outcome?: string;
  limit: number;
}

export async function readWebhookInbox(payment: Pool, filter: InboxFilter): Promise<{ entries: InboxEntry[]; summary: InboxSummary }> {
  const scope =
    filter.tenantId === undefined
      ? { join: 'LEFT JOIN', where: [] as string[], params: [] as unknown[] }
      : { join: 'JOIN', where: ['p.tenant_id = ?'], params: [filter.tenantId] as unknown[] };
  const where = (extra: string[]) => (extra.length > 0 ? `WHERE ${extra.join(' AND ')}` : '');
  const listConditions = [...scope.where, ...(filter.outcome !== undefined ? ['w.outcome = ?'] : [])];
  const listParams = [...scope.params, ...(filter.outcome !== undefined ? [filter.outcome] : [])];
  const [[rows], [outcomes]] = await Promise.all([
    payment.query<InboxRow[]>(
      `SELECT w.provider_event_id, w.event_type, w.payment_id, p.order_id, p.tenant_id, w.signed_at, w.received_at, w.processed_at,
              w.outcome, w.outcome_detail, w.duplicate_deliveries
         FROM webhook_inbox w ${scope.join} payments p ON p.id = w.payment_id
        ${where(listConditions)}
        ORDER BY w.received_at DESC LIMIT ?`,
      [...listParams, filter.limit],
    ),
    payment.query<OutcomeRow[]>(
      `SELECT w.outcome, COUNT(*) AS entries, SUM(w.duplicate_deliveries) AS redeliveries
         FROM webhook_inbox w ${scope.join} payments p ON p.id = w.payment_id
        ${where(scope.where)}
        GROUP BY w.outcome`,
      scope.params,
    ),
  ]);
  const byOutcome: Record<string, number> = {};
  let received = 0;
  let redeliveries = 0;
  for (const row of outcomes) {
    byOutcome[row.outcome] = Number(row.entries);
    received += Number(row.entries);
    redeliveries += Number(row.redeliveries ?? 0);
  }
  const refused = Object.entries(byOutcome)
    .filter(([outcome]) => outcome.startsWith('REFUSED_') || outcome === 'UNKNOWN_PAYMENT')
    .reduce((sum, [, count]) => sum + count, 0);
  return {
    entries: rows.map((row) => ({
      provider_event_id: row.provider_event_id,
      event_type: row.event_type,
      payment_id: row.payment_id,
      order_id: row.order_id,
      tenant_id: row.tenant_id,
      signed_at: iso(row.signed_at) ?? '',
      received_at: iso(row.received_at) ?? '',
      processed_at: iso(row.processed_at),
      outcome: row.outcome,
      outcome_detail: row.outcome_detail,
      duplicate_deliveries: Number(row.duplicate_deliveries),
    })),
    summary: { received, applied: byOutcome.APPLIED ?? 0, duplicate: (byOutcome.DUPLICATE ?? 0) + redeliveries, refused, by_outcome: byOutcome },
  };
}
