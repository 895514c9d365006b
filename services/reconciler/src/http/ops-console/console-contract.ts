/**
 * The replies the ops console reads, once: the routes check every answer against these zod
 * schemas, and the console's browser code imports their types (`import type`, erased by the
 * bundler, so nothing of the server reaches the page). This module imports zod alone, so the
 * console's own type-check (lib DOM, no Node types) can read it.
 */
import { z } from 'zod';

/** A reply as it crosses the wire: JSON turns dates into ISO strings. */
export type Json<T> = T extends Date ? string : T extends readonly (infer U)[] ? Json<U>[] : T extends object ? { [K in keyof T]: Json<T[K]> } : T;

const totals = z.strictObject({ rows: z.number().int(), quantity: z.number().int(), stock_delta: z.number().int() });
const counts = z.strictObject({ orders: z.number().int(), quantity: z.number().int() });

/** A sale's books side by side; the vocabulary of the inventory service's `GET /v1/admin/sales/:saleId/stock`. */
export const saleBooksSchema = z.strictObject({
  sale_id: z.string(),
  tenant_id: z.string(),
  sku_id: z.string(),
  window: z.enum(['upcoming', 'live', 'ended']).meta({ description: 'where now falls in the sale window (ended: the window is over or the sale was ended)' }),
  starts_at: z.string(),
  ends_at: z.string(),
  armed_at: z.string().nullable(),
  ended_at: z.string().nullable(),
  sale_stock: z.number().int(),
  redis: z
    .strictObject({ armed_stock: z.number().int(), available: z.number().int(), held: z.number().int(), sold: z.number().int() })
    .nullable()
    .meta({ description: 'null when Redis holds no stock for the sale (not armed, or lost)' }),
  mysql: z.strictObject({
    sale_allocated: z.number().int().meta({ description: 'units of the SKU still set aside for this sale (docs/adr/0005-sale-allocations.md)' }),
    sku_stock: z.number().int().nullable(),
    sku_initial_stock: z.number().int().nullable(),
    sku_allocated: z.number().int().nullable(),
  }),
  audit: z.strictObject({ reserve: totals, decrease: totals, release: totals, refund: totals }),
  reservations: z.strictObject({ committed: counts, released: counts, released_before_created: counts, refunded: counts }),
  redis_balanced: z.boolean().nullable().meta({ description: 'available + held + sold = armed stock = sale stock; null without Redis stock' }),
});
export type SaleBooks = z.infer<typeof saleBooksSchema>;

/** A dead-lettered or quarantined entry as an operator decides on it; its payload bytes stay out. */
export const deadLetterViewSchema = z.strictObject({
  topic: z.string(),
  partition: z.number().int(),
  offset: z.string(),
  kind: z.enum(['dead-lettered', 'quarantined']),
  consumer: z.string(),
  attempts: z.number().int(),
  failed_at: z.string(),
  error: z.strictObject({ code: z.string(), message: z.string() }),
  event_id: z.string().nullable(),
  event_type: z.string().nullable(),
  tenant_id: z.string().nullable().meta({ description: "the original envelope's tenant; null when its bytes are not an envelope" }),
  original: z.strictObject({ topic: z.string(), partition: z.number().int(), offset: z.string() }),
});
export type DeadLetterView = z.infer<typeof deadLetterViewSchema>;

export const inboxEntrySchema = z.strictObject({
  provider_event_id: z.string(),
  event_type: z.string(),
  payment_id: z.string().nullable(),
  order_id: z.string().nullable(),
  tenant_id: z.string().nullable(),
  signed_at: z.string(),
  received_at: z.string(),
  processed_at: z.string().nullable(),
  outcome: z.string().meta({ description: 'APPLIED, DUPLICATE, REFUSED_*, UNKNOWN_PAYMENT or IGNORED_EVENT_TYPE' }),
  outcome_detail: z.string().nullable().meta({ description: 'why it was refused or not applied' }),
  duplicate_deliveries: z.number().int().meta({ description: 'further deliveries of the same provider event, each answered from this row' }),
});
export type InboxEntry = z.infer<typeof inboxEntrySchema>;

export const inboxSummarySchema = z.strictObject({
  received: z.number().int().meta({ description: 'distinct provider events stored' }),
  applied: z.number().int(),
  duplicate: z.number().int().meta({ description: 'events that repeated a fact already applied, plus redeliveries of a stored event' }),
  refused: z.number().int().meta({ description: 'REFUSED_* and UNKNOWN_PAYMENT' }),
  by_outcome: z.record(z.string(), z.number().int()),
});
export type InboxSummary = z.infer<typeof inboxSummarySchema>;

/** A run's evidence row, as the caller may see it (application/tenant-scope.ts). */
export const runSchema = z.strictObject({
  id: z.number().int(),
  job: z.string(),
  triggeredBy: z.enum(['schedule', 'cli', 'http', 'test']),
  startedAt: z.date(),
  finishedAt: z.date(),
  outcome: z.enum(['completed', 'crashed']),
  checked: z.number().int(),
  anomaliesFound: z.number().int(),
  anomalies: z.record(z.string(), z.number().int()).meta({ description: 'anomalies found, by class' }),
  repaired: z.number().int(),
  failed: z.number().int(),
  sampleIds: z.array(z.string()).meta({ description: "ids of what was found, the caller's tenant's only unless it acts across tenants" }),
  error: z.string().nullable().meta({ description: "a crashed run's message; platform-ops read it, ops are told that it crashed" }),
  sampleScope: z.strictObject({
    tenant: z.string().nullable().meta({ description: "whose sample ids these are; null: every tenant's" }),
    withheld: z.number().int().meta({ description: 'sample ids of other tenants left out' }),
  }),
});
export type Run = Json<z.infer<typeof runSchema>>;

/** Rows as each service's tables hold them: the trace shows the books, not a model of them. */
const row = z.record(z.string(), z.unknown());

export const orderTraceSchema = z.strictObject({
  order: row,
  history: z.array(row),
  items: z.array(row),
  events: z.array(row).meta({ description: "the order's events in every service's outbox, published or not" }),
  inventory: z.strictObject({ reservation: row.nullable(), audit: z.array(row) }),
  redis: z.strictObject({ hold: z.unknown().meta({ description: "the sale's record of the order in Redis: s = H held, C committed, R released" }) }),
  payments: z.array(row),
  paymentHistory: z.array(row),
  webhookInbox: z.array(row),
  refunds: z.array(row),
  timeline: z
    .array(z.strictObject({ at: z.string(), source: z.string(), what: z.string() }))
    .meta({ description: 'every step above in time order: where the order is stuck' }),
});
export type OrderTrace = z.infer<typeof orderTraceSchema>;
