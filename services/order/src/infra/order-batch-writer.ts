/**
 * Group commit for accepted orders. Concurrent requests share one transaction: their orders,
 * items, first history rows, outbox events and idempotency records go in as multi-row INSERTs,
 * sent as one statement batch (one round trip). Each request's promise settles only after the
 * transaction holding its rows committed. If a batch fails, its orders are retried one per
 * transaction so that one bad order (say, a reused Idempotency-Key) cannot sink its neighbours.
 *
 * A COMMIT can succeed while its acknowledgement is lost (the connection dies after the server
 * committed). Reporting failure then would make the caller release the hold of an order that
 * exists. So when the connection failed after the batch was sent, the writer asks MySQL, on
 * another connection, which of the batch's orders exist before it reports anything; those that do
 * are successes. The question is a locking read: it waits for the lost transaction to finish
 * (commit or rollback) instead of racing it.
 *
 * Each order carries the write epoch of the sale its units were reserved under. The batch's
 * transaction first reads the write fence of its sales with a shared lock and writes only the orders
 * whose epoch is still the fence's; the others are refused with SaleRebuiltError. A Redis rebuild
 * bumps the fence before it reads the books (docs/adr/0006-redis-loss-recovery.md), and the shared
 * lock makes that bump wait for a batch already past its check: an order is then either in the books
 * the rebuild reads, or refused, never sold a second time on the rebuilt sale. The check is one more
 * statement and one more round trip per batch, not per order.
 */
import { writeOutboxSql, type PendingEvent } from '@flash-sale/events';
import { isDuplicateKey, type Logger } from '@flash-sale/service-kit';
import mysql, { type Pool, type PoolConnection, type RowDataPacket } from 'mysql2/promise';
import type { Order } from '../domain/order.ts';

export interface NewOrder {
  order: Order;
  /** The sale's write epoch the order's units were reserved under (`ReserveResult.writeEpoch`). */
  writeEpoch: number;
  event: PendingEvent;
  idempotency: { key: string; requestHash: string; responseStatus: number; responseBody: string; expiresAt: Date };
}

export class DuplicateIdempotencyKeyError extends Error {
  constructor() {
    super('the Idempotency-Key was already used by a committed order');
    this.name = 'DuplicateIdempotencyKeyError';
  }
}

/** The sale was rebuilt in Redis since this order's reservation: the books it was rebuilt from cannot hold the order, so it is not written. */
export class SaleRebuiltError extends Error {
  readonly saleId: string;
  constructor(saleId: string) {
    super('the sale was rebuilt since the reservation; the order was not written');
    this.name = 'SaleRebuiltError';
    this.saleId = saleId;
  }
}

interface Queued {
  item: NewOrder;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export interface BatchWriterOptions {
  /** A pool whose connections allow multiple statements; used only for these INSERT batches. */
  pool: Pool;
  logger: Logger;
  maxBatchSize?: number;
  maxConcurrentBatches?: number;
  onBatch?: (size: number, ok: boolean) => void;
}

export class OrderBatchWriter {
  readonly #options: Required<Omit<BatchWriterOptions, 'onBatch'>> & Pick<BatchWriterOptions, 'onBatch'>;
  readonly #queue: Queued[] = [];
  #inFlight = 0;

  constructor(options: BatchWriterOptions) {
    this.#options = { maxBatchSize: 64, maxConcurrentBatches: 4, ...options };
  }

  write(item: NewOrder): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      this.#drain();
    });
  }

  #drain(): void {
    while (this.#inFlight < this.#options.maxConcurrentBatches && this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#options.maxBatchSize);
      this.#inFlight += 1;
      void this.#commit(batch).finally(() => {
        this.#inFlight -= 1;
        this.#drain();
      });
    }
  }

  async #commit(batch: Queued[]): Promise<void> {
    const first = await this.#attempt(batch.map((queued) => queued.item));
    // A batch counts the orders it wrote: those its fence check refused were not.
    this.#options.onBatch?.(first.ok ? batch.length - first.fenced.size : batch.length, first.ok);
    if (first.ok) {
      for (const queued of batch) settle(queued, first.fenced);
      return;
    }
    const rest: Queued[] = [];
    for (const queued of batch) {
      if (first.committed.has(queued.item.order.id)) queued.resolve();
      else rest.push(queued);
    }
    if (rest.length === 0) return;
    if (batch.length === 1) {
      rest[0]?.reject(translate(first.error));
      return;
    }
    this.#options.logger.warn(
      { err: first.error, size: batch.length, committed: batch.length - rest.length },
      'order batch failed; retrying its orders one by one',
    );
    for (const queued of rest) {
      const alone = await this.#attempt([queued.item]);
      if (alone.ok) settle(queued, alone.fenced);
      else if (alone.committed.has(queued.item.order.id)) queued.resolve();
      else queued.reject(translate(alone.error));
    }
  }

  /** One transaction: the orders its fence check refused, or, on failure, the orders of it that MySQL nevertheless holds. */
  async #attempt(items: NewOrder[]): Promise<{ ok: true; fenced: ReadonlySet<string> } | { ok: false; error: unknown; committed: ReadonlySet<string> }> {
    try {
      return { ok: true, fenced: await this.#insert(items) };
    } catch (error) {
      if (!(error instanceof BatchSentError)) return { ok: false, error, committed: new Set() };
      const ids = items.map((item) => item.order.id);
      try {
        const committed = await this.#existingOrders(ids);
        if (committed.size > 0)
          this.#options.logger.warn(
            { err: error.cause, committed: committed.size, size: ids.length },
            'order batch committed but its acknowledgement was lost; reported as written',
          );
        return { ok: false, error: error.cause, committed };
      } catch (readError) {
        this.#options.logger.error(
          { err: readError, size: ids.length },
          'could not learn whether a batch whose connection died was committed; reported as failed',
        );
        return { ok: false, error: error.cause, committed: new Set() };
      }
    }
  }

  /** Which of these orders exist, once any transaction still writing them has ended. */
  async #existingOrders(ids: readonly string[]): Promise<Set<string>> {
    const connection = await this.#options.pool.getConnection();
    try {
      // A bounded wait: a transaction the server still runs holds these rows' locks until it ends.
      await connection.query('SET SESSION innodb_lock_wait_timeout = 5');
      const [rows] = await connection.query<RowDataPacket[]>('SELECT id FROM orders WHERE id IN (?) LOCK IN SHARE MODE', [ids]);
      await connection.query('SET SESSION innodb_lock_wait_timeout = DEFAULT');
      connection.release();
      return new Set(rows.map((row) => String(row.id)));
    } catch (error) {
      connection.destroy();
      throw error;
    }
  }

  /** Writes the orders that pass their sale's write fence in one transaction; returns the ids of those it refused. */
  async #insert(items: NewOrder[]): Promise<Set<string>> {
    // No connection, nothing sent: a plain failure.
    const connection: PoolConnection = await this.#options.pool.getConnection();
    let admitted: NewOrder[];
    try {
      admitted = await fenceCheck(connection, items);
    } catch (error) {
      // Nothing was written yet: a plain failure, whatever became of the connection.
      await connection.query('ROLLBACK').catch(() => connection.destroy());
      connection.release();
      throw error;
    }
    const fenced = new Set(items.filter((item) => !admitted.includes(item)).map((item) => item.order.id));
    try {
      await connection.query(admitted.length > 0 ? [...insertStatements(admitted), 'COMMIT'].join(';\n') : 'ROLLBACK');
      return fenced;
    } catch (error) {
      // A statement the server refused stops the batch before COMMIT and leaves the transaction open.
      // Any other failure (the connection died) may have happened after the server committed.
      const refusedStatement = typeof (error as { sqlState?: unknown }).sqlState === 'string' && (error as { fatal?: boolean }).fatal !== true;
      await connection.query('ROLLBACK').catch(() => connection.destroy());
      throw refusedStatement ? error : new BatchSentError(error);
    } finally {
      connection.release();
    }
  }
}

/**
 * Opens the batch's transaction and reads the write fence of its sales under a shared lock, held
 * until the batch commits: a rebuild's bump of one of these fences waits for this batch. Returns
 * the orders reserved under their sale's current epoch (no fence row: epoch 0).
 */
async function fenceCheck(connection: PoolConnection, items: NewOrder[]): Promise<NewOrder[]> {
  const saleIds = [...new Set(items.map((item) => item.order.saleId))];
  // REPEATABLE READ is what makes the lock cover a fence row that does not exist yet (a gap lock),
  // so a first bump waits too; set here rather than trusted to the server's default.
  const [results] = await connection.query<RowDataPacket[][]>(
    'SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; START TRANSACTION; SELECT sale_id, epoch FROM sale_write_fences WHERE sale_id IN (?) LOCK IN SHARE MODE',
    [saleIds],
  );
  const fences = new Map((results[2] ?? []).map((row) => [String(row.sale_id), Number(row.epoch)]));
  return items.filter((item) => item.writeEpoch === (fences.get(item.order.saleId) ?? 0));
}

function settle(queued: Queued, fenced: ReadonlySet<string>): void {
  if (fenced.has(queued.item.order.id)) queued.reject(new SaleRebuiltError(queued.item.order.saleId));
  else queued.resolve();
}

/** The batch reached the server and the connection failed before its outcome came back. */
class BatchSentError extends Error {
  constructor(cause: unknown) {
    super('connection failed after the order batch was sent', { cause });
    this.name = 'BatchSentError';
  }
}

/**
 * Order ids are fresh uuids, so the one key a lone order can collide on is its Idempotency-Key
 * (the statement batch does not say which INSERT failed; the caller confirms from MySQL).
 */
function translate(error: unknown): unknown {
  return isDuplicateKey(error) ? new DuplicateIdempotencyKeyError() : error;
}

function insertStatements(items: NewOrder[]): string[] {
  const orders = items.map(({ order: o, event }) => [
    o.id,
    o.tenantId,
    o.userId,
    o.saleId,
    o.skuId,
    o.quantity,
    o.unitPriceMinor,
    o.totalMinor,
    o.currency,
    o.status,
    0,
    o.expiresAt,
    o.createdAt,
    o.updatedAt,
    event.envelope.trace_id,
  ]);
  const lines = items.map(({ order: o }) => [o.id, 1, o.skuId, o.quantity, o.unitPriceMinor]);
  const history = items.map(({ order: o }) => [o.id, null, o.status, 'order placed', null, o.createdAt]);
  const keys = items.map(({ order: o, idempotency: i }) => [
    o.tenantId,
    o.userId,
    i.key,
    i.requestHash,
    o.id,
    i.responseStatus,
    i.responseBody,
    o.createdAt,
    i.expiresAt,
  ]);
  return [
    mysql.format(
      'INSERT INTO orders (id, tenant_id, user_id, sale_id, sku_id, quantity, unit_price_minor, total_minor, currency, status, stock_committed, expires_at, created_at, updated_at, trace_id) VALUES ?',
      [orders],
    ),
    mysql.format('INSERT INTO order_items (order_id, line_no, sku_id, quantity, unit_price_minor) VALUES ?', [lines]),
    mysql.format('INSERT INTO order_status_history (order_id, from_status, to_status, cause, source_event_id, occurred_at) VALUES ?', [history]),
    writeOutboxSql(items.map((item) => item.event)),
    mysql.format(
      'INSERT INTO idempotency_keys (tenant_id, user_id, idem_key, request_hash, order_id, response_status, response_body, created_at, expires_at) VALUES ?',
      [keys],
    ),
  ];
}
