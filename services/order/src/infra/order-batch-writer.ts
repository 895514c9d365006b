/**
 * Group commit for accepted orders. Concurrent requests share one transaction: their orders,
 * items, first history rows, outbox events and idempotency records go in as multi-row INSERTs,
 * sent as one statement batch (one round trip). Each request's promise settles only after the
 * transaction holding its rows committed. If a batch fails, its orders are retried one per
 * transaction so that one bad order (say, a reused Idempotency-Key) cannot sink its neighbours.
 */
import { writeOutboxSql, type PendingEvent } from '@flash-sale/events';
import type { Logger } from '@flash-sale/service-kit';
import mysql, { type Pool, type PoolConnection } from 'mysql2/promise';
import type { Order } from '../domain/order.ts';

export interface NewOrder {
  order: Order;
  event: PendingEvent;
  idempotency: { key: string; requestHash: string; responseStatus: number; responseBody: string; expiresAt: Date };
}

export class DuplicateIdempotencyKeyError extends Error {
  constructor() {
    super('the Idempotency-Key was already used by a committed order');
    this.name = 'DuplicateIdempotencyKeyError';
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
    try {
      await this.#insert(batch.map((queued) => queued.item));
      this.#options.onBatch?.(batch.length, true);
      for (const queued of batch) queued.resolve();
      return;
    } catch (error) {
      this.#options.onBatch?.(batch.length, false);
      if (batch.length === 1) {
        batch[0]?.reject(translate(error));
        return;
      }
      this.#options.logger.warn({ err: error, size: batch.length }, 'order batch failed; retrying its orders one by one');
    }
    for (const queued of batch) {
      try {
        await this.#insert([queued.item]);
        queued.resolve();
      } catch (error) {
        queued.reject(translate(error));
      }
    }
  }

  async #insert(items: NewOrder[]): Promise<void> {
    const sql = ['START TRANSACTION', ...insertStatements(items), 'COMMIT'].join(';\n');
    let connection: PoolConnection | undefined;
    try {
      connection = await this.#options.pool.getConnection();
      await connection.query(sql);
    } catch (error) {
      // A failed statement leaves the batch's transaction open on the connection.
      if (connection) await connection.query('ROLLBACK').catch(() => connection?.destroy());
      throw error;
    } finally {
      connection?.release();
    }
  }
}

/**
 * Order ids are fresh uuids, so the one key a lone order can collide on is its Idempotency-Key
 * (the statement batch does not say which INSERT failed; the caller confirms from MySQL).
 */
function translate(error: unknown): unknown {
  return (error as { code?: string }).code === 'ER_DUP_ENTRY' ? new DuplicateIdempotencyKeyError() : error;
}

function insertStatements(items: NewOrder[]): string[] {
  const orders = items.map(({ order: o }) => [
    o.id, o.tenantId, o.userId, o.saleId, o.skuId, o.quantity, o.unitPriceMinor, o.totalMinor, o.currency, o.status, 0, o.expiresAt, o.createdAt, o.updatedAt,
  ]);
  const lines = items.map(({ order: o }) => [o.id, 1, o.skuId, o.quantity, o.unitPriceMinor]);
  const history = items.map(({ order: o }) => [o.id, null, o.status, 'order placed', null, o.createdAt]);
  const keys = items.map(({ order: o, idempotency: i }) => [
    o.tenantId, o.userId, i.key, i.requestHash, o.id, i.responseStatus, i.responseBody, o.createdAt, i.expiresAt,
  ]);
  return [
    mysql.format(
      'INSERT INTO orders (id, tenant_id, user_id, sale_id, sku_id, quantity, unit_price_minor, total_minor, currency, status, stock_committed, expires_at, created_at, updated_at) VALUES ?',
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
