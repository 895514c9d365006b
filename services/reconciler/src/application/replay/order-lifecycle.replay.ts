/**
 * Replay of the order-lifecycle flow (contract `order-lifecycle`) from its Kafka topics: reads a
 * bounded scope (S) of the order, payment and stock events, skips duplicate event ids (I), folds
 * them into a scratch projection (F), compares it with the live `orders.status`, repairs the
 * differences on request through the guarded transition with a history row naming the replay,
 * checks the contract's invariants (Q) and stores the evidence (E) in `replay_runs`.
 *
 * Only orders whose `order.created` lies in the scope are judged: an order created earlier made
 * transitions before the scope that the replay cannot see, so folding its later events alone
 * would misjudge it (a refund with no payment, a payment with no order).
 */
import { envelopeSchema, parseWirePayload, projectPayload, registry, type ConsumerContract, type KafkaTransport } from '@flash-sale/events';
import { withTransaction } from '@flash-sale/service-kit';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { checkInvariants, totalViolations } from '../check-invariants.ts';
import { orderLifecycleContract } from '../../domain/recovery-contracts/order-lifecycle.contract.ts';
import { orderLifecycleReplayContract } from './order-lifecycle.contract.ts';
import { ORDER_EVENT_RULES, ORDER_STATUSES, type OrderStatus } from '../../domain/order-state-machine.ts';
import { selectInBy, type ServiceDatabases } from '../../infra/service-databases.ts';
import { REPAIR_COMMANDS, transitionOrder, type RepairCommand } from '../repairs/order-transition.ts';
import { agrees, pathBetween, projectOrders, ruleFor, type ReplayedEvent } from './order-lifecycle.projection.ts';
import { evidenceOf, insertReplayRun, type ReplayEvidence } from '../../infra/replay-run.repository.ts';
import { captureScope, readScope, type ReplayStart, type TopicScope } from '../../infra/topic-scope.ts';

export interface OrderReplayOptions {
  from: ReplayStart;
  apply: boolean;
  /** Topic per event type, where it differs from the catalog (tests, a mirrored cluster). */
  topics?: Readonly<Record<string, string>>;
  /** `KAFKA_TOPIC_PREFIX`, put in front of the catalog's topics; an override in `topics` is used as is. */
  topicPrefix?: string;
  timeoutMs?: number;
}

export interface OrderChange {
  orderId: string;
  /** `null`: the order's row is missing, a lost order the reconciler cannot recreate. */
  live: string | null;
  projected: OrderStatus;
  /** The guarded commands that lead from live to projected; `null` when none may. */
  repair: RepairCommand[] | null;
  reason?: string;
  repaired: boolean;
}

export interface OrderReplayResult {
  runId: number;
  evidence: ReplayEvidence;
  changes: OrderChange[];
  applied: boolean;
  invariants: Record<string, number>;
  scope: TopicScope[];
}

interface OrderRow extends RowDataPacket {
  id: string;
  status: string;
  stock_committed: number;
}

/** Rolls back an order's partial repair path when one of its steps is refused. */
class RepairRefused extends Error {}

const isStatus = (value: string): value is OrderStatus => (ORDER_STATUSES as readonly string[]).includes(value);

/** The replay's topics: one per event type the projection uses, the overrides as given, the catalog's behind the prefix. */
export const replayTopics = (overrides: Readonly<Record<string, string>> = {}, prefix = ''): string[] => [
  ...new Set(ORDER_EVENT_RULES.map((rule) => overrides[rule.type] ?? `${prefix}${rule.topic}`)),
];

/** Decodes one record; `undefined` for anything that is not a valid, registered event envelope. */
function decode(value: Buffer | null, at: { topic: string; partition: number; offset: string }): ReplayedEvent | 'ignored' | undefined {
  let json: unknown;
  try {
    json = JSON.parse(value?.toString('utf8') ?? '');
  } catch {
    return undefined;
  }
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) return undefined;
  const definition = registry.get(envelope.data.type);
  // Sealed restricted fields stay sealed: the replay never needs them (docs/eventing.md).
  const payload = definition ? parseWirePayload(definition, envelope.data) : undefined;
  if (!payload?.success) return undefined;
  if (!ruleFor(envelope.data.type)) return 'ignored';
  // Only the fields the replay declares; a rule without a declaration is ignored rather than guessed at.
  const read = (orderLifecycleReplayContract as ConsumerContract).reads[envelope.data.type];
  if (!read) return 'ignored';
  const data = projectPayload(read, payload.data) as { order_id: string; payment_id?: string };
  return {
    id: envelope.data.id,
    type: envelope.data.type,
    occurredAt: envelope.data.occurred_at,
    orderId: data.order_id,
    ...(data.payment_id ? { paymentId: data.payment_id } : {}),
    ...at,
  };
}

/** What would bring a live order to its projection, or why nothing may. */
function planRepair(row: OrderRow | undefined, projected: OrderStatus): Pick<OrderChange, 'repair' | 'reason'> {
  if (!row) return { repair: null, reason: 'order row missing' };
  if (!isStatus(row.status)) return { repair: null, reason: `unknown live status ${row.status}` };
  const path = pathBetween(row.status, projected, REPAIR_COMMANDS);
  if (!path) return { repair: null, reason: `no legal transition from ${row.status} to ${projected}` };
  // The reconciler may not set stock_committed (ADR 0004); confirming without it breaks an invariant.
  if (path.includes('confirm') && Number(row.stock_committed) !== 1) return { repair: null, reason: 'stock commit not recorded on the order' };
  return { repair: path };
}

const scopeLabel = (from: ReplayStart) => ('time' in from ? `from time ${from.time.toISOString()}` : `from offset ${from.offset}`);

export async function replayOrderLifecycle(
  deps: { pool: Pool; databases: ServiceDatabases; kafka: KafkaTransport; now: () => Date },
  options: OrderReplayOptions,
): Promise<OrderReplayResult> {
  const startedAt = deps.now();
  const scope = await captureScope(deps.kafka, replayTopics(options.topics, options.topicPrefix), options.from);

  let read = 0;
  let duplicates = 0;
  let undecodable = 0;
  let ignored = 0;
  const seen = new Set<string>();
  const events: ReplayedEvent[] = [];
  await readScope(
    deps.kafka,
    scope,
    ({ topic, partition, message }) => {
      read += 1;
      const event = decode(message.value, { topic, partition, offset: message.offset });
      if (event === undefined) undecodable += 1;
      else if (event === 'ignored') ignored += 1;
      else if (seen.has(event.id)) duplicates += 1;
      else {
        seen.add(event.id);
        events.push(event);
      }
    },
    options.timeoutMs ? { timeoutMs: options.timeoutMs } : {},
  );

  const projection = projectOrders(events);
  const live = await selectInBy<OrderRow>(deps.databases.order, 'id', 'SELECT id, status, stock_committed FROM orders WHERE id IN (?)', [...projection.keys()]);
  const changes: OrderChange[] = [];
  for (const [orderId, projected] of projection) {
    const row = live.get(orderId);
    if (row && isStatus(row.status) && agrees(row.status, projected.status)) continue;
    changes.push({ orderId, live: row ? String(row.status) : null, projected: projected.status, ...planRepair(row, projected.status), repaired: false });
  }

  if (options.apply) {
    const cause = `replay ${orderLifecycleContract.flow} ${scopeLabel(options.from)}`;
    for (const change of changes) {
      const path = change.repair;
      if (!path) continue;
      const paymentId = projection.get(change.orderId)?.paymentId;
      // One transaction per order: every step of its path, or none (a step refused means the order moved meanwhile).
      change.repaired = await withTransaction(deps.databases.order, async (tx) => {
        for (const command of path) {
          const now = deps.now();
          const moved = await transitionOrder(tx, {
            orderId: change.orderId,
            command,
            cause: `${cause}: its events say ${change.projected}`,
            now,
            ...(command === 'pay' && paymentId ? { paymentId } : {}),
          });
          if (!moved) throw new RepairRefused();
        }
        return true;
      }).catch((error: unknown) => {
        if (error instanceof RepairRefused) return false;
        throw error;
      });
    }
  }

  const invariants = await checkInvariants(deps.databases, orderLifecycleContract);
  const unresolved = changes.filter((change) => !change.repaired).length;
  const evidence = evidenceOf(
    { events_processed: read, duplicates_skipped: duplicates, projections_changed: changes.length },
    totalViolations(invariants) + unresolved + undecodable,
  );
  const details = {
    invariants,
    unresolved_differences: unresolved,
    undecodable_records: undecodable,
    ignored_records: ignored,
    orders_judged: projection.size,
    orders_outside_scope: new Set(events.map((event) => event.orderId)).size - projection.size,
    refused_by_state_machine: [...projection.values()].reduce((sum, order) => sum + order.refused, 0),
    changes: changes.slice(0, 100),
  };
  const runId = await insertReplayRun(deps.pool, {
    flow: orderLifecycleContract.flow,
    scope: { from: 'time' in options.from ? { time: options.from.time.toISOString() } : { offset: options.from.offset }, topics: scope },
    applied: options.apply,
    startedAt,
    finishedAt: deps.now(),
    evidence,
    details,
  });
  return { runId, evidence, changes, applied: options.apply, invariants, scope };
}
