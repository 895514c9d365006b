/**
 * A reconciler against four fresh, migrated databases (order, payment, inventory and its own), a
 * Redis key prefix and the real broker, plus helpers that put the books into the states the
 * services themselves produce: through the same SQL and the same Lua scripts, never through
 * another service's code.
 */
import { randomUUID } from 'node:crypto';
import { createKafkaTransport, platformMigrationsDir } from '@flash-sale/events';
import { createMetricsRegistry } from '@flash-sale/service-kit';
import { StockReservations } from '@flash-sale/stock-reservations';
import { createTestDatabase, createTestRedis, resolveServers, type Teardown, type TestDatabase, type TestRedis } from '@flash-sale/testkit';
import type { RedisClient } from '@flash-sale/service-kit';
import type { RowDataPacket } from 'mysql2/promise';
import { pino } from 'pino';
import { createReconcilerMetrics } from '../../src/infra/reconciler-metrics.ts';
import { defaultThresholds, type JobDeps } from '../../src/application/jobs/job.ts';

const repo = new URL('../../../../', import.meta.url).pathname;
const migrations = (service: string) => [platformMigrationsDir, `${repo}services/${service}/migrations`];

export interface Fixture {
  deps: JobDeps;
  order: TestDatabase;
  payment: TestDatabase;
  inventory: TestDatabase;
  reconciler: TestDatabase;
  redis: RedisClient;
  /** Another connection to the test's Redis (BullMQ wants one of its own), closed after the test. */
  redisConnection: TestRedis['connection'];
  /** The test's Redis key prefix (free of braces). */
  prefix: string;
  reservations: StockReservations;
  clock: { now: Date };
  seedSale(input?: { stock?: number; perUserLimit?: number; holdTtlSeconds?: number; tenantId?: string }): Promise<SeededSale>;
  placeOrder(sale: SeededSale, input?: { userId?: string; quantity?: number }): Promise<string>;
  commitStock(sale: SeededSale, orderId: string): Promise<void>;
  setOrderStatus(orderId: string, status: string, cause?: string): Promise<void>;
  runs(job: string): Promise<Record<string, unknown>[]>;
}

export interface SeededSale {
  saleId: string;
  skuId: string;
  tenantId: string;
  stock: number;
  holdTtlMs: number;
}

export async function createFixture(teardown: Teardown): Promise<Fixture> {
  const [order, payment, inventory, reconciler] = await Promise.all([
    createTestDatabase(teardown, { migrationsDirs: migrations('order'), prefix: 'rc_order' }),
    createTestDatabase(teardown, { migrationsDirs: migrations('payment'), prefix: 'rc_payment' }),
    createTestDatabase(teardown, { migrationsDirs: migrations('inventory'), prefix: 'rc_inventory' }),
    createTestDatabase(teardown, { migrationsDirs: migrations('reconciler'), prefix: 'rc_recon' }),
  ]);
  const { redis, prefix, connection: redisConnection } = await createTestRedis(teardown);
  const servers = await resolveServers();
  const clock = { now: new Date() };
  const now = () => new Date(clock.now.getTime());
  const reservations = new StockReservations(redis, { keyPrefix: prefix, nowMs: () => clock.now.getTime() });
  const deps: JobDeps = {
    pool: reconciler.pool,
    databases: { order: order.pool, payment: payment.pool, inventory: inventory.pool },
    redis,
    reservations,
    kafka: createKafkaTransport({ KAFKA_BROKERS: servers.kafkaBrokers, ...servers.kafkaCredentials }, { clientId: 'reconciler-test' }),
    logger: pino({ level: 'silent' }),
    metrics: createReconcilerMetrics(createMetricsRegistry('reconciler-test')),
    now,
    thresholds: defaultThresholds,
    deadLetterTopics: [],
    topicPrefix: '',
    consumerGroupPrefix: '',
    outboxes: ['order', 'payment', 'inventory'],
  };

  const fixture: Fixture = {
    deps,
    order,
    payment,
    inventory,
    reconciler,
    redis,
    redisConnection,
    prefix,
    reservations,
    clock,
    async seedSale(input = {}) {
      const sale = {
        saleId: randomUUID(),
        skuId: `sku-${randomUUID().slice(0, 8)}`,
        tenantId: input.tenantId ?? 't1',
        stock: input.stock ?? 10,
        holdTtlMs: (input.holdTtlSeconds ?? 600) * 1000,
      };
      const startsAt = new Date(clock.now.getTime() - 60_000);
      const endsAt = new Date(clock.now.getTime() + 3600_000);
      await inventory.pool.query('INSERT INTO skus (tenant_id, id, name, initial_stock, stock) VALUES (?, ?, ?, ?, ?)', [
        sale.tenantId,
        sale.skuId,
        'test sku',
        sale.stock,
        sale.stock,
      ]);
      await inventory.pool.query(
        `INSERT INTO flash_sales (id, tenant_id, sku_id, stock, unit_price_minor, currency, starts_at, ends_at, per_user_limit, hold_ttl_seconds, armed_at)
         VALUES (?, ?, ?, ?, 1000, 'EUR', ?, ?, ?, ?, ?)`,
        [sale.saleId, sale.tenantId, sale.skuId, sale.stock, startsAt, endsAt, input.perUserLimit ?? 5, sale.holdTtlMs / 1000, clock.now],
      );
      await reservations.arm({
        saleId: sale.saleId,
        tenantId: sale.tenantId,
        skuId: sale.skuId,
        stock: sale.stock,
        unitPriceMinor: 1000,
        currency: 'EUR',
        startsAtMs: startsAt.getTime(),
        endsAtMs: endsAt.getTime(),
        perUserLimit: input.perUserLimit ?? 5,
        holdTtlMs: sale.holdTtlMs,
      });
      return sale;
    },
    // The order path: Redis reserve, then the order row PENDING with its history (as the order service writes them).
    async placeOrder(sale, input = {}) {
      const orderId = randomUUID();
      const userId = input.userId ?? `user-${randomUUID().slice(0, 8)}`;
      const quantity = input.quantity ?? 1;
      const reserved = await reservations.reserve({ saleId: sale.saleId, tenantId: sale.tenantId, orderId, userId, quantity, nowMs: clock.now.getTime() });
      if (!reserved.ok) throw new Error(`reserve refused: ${reserved.code}`);
      await order.pool.query(
        `INSERT INTO orders (id, tenant_id, user_id, sale_id, sku_id, quantity, unit_price_minor, total_minor, currency, status, expires_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, 1000, ?, 'EUR', 'PENDING', ?, ?, ?)`,
        [orderId, sale.tenantId, userId, sale.saleId, sale.skuId, quantity, 1000 * quantity, new Date(reserved.holdExpiresAtMs), clock.now, clock.now],
      );
      await order.pool.query(
        "INSERT INTO order_status_history (order_id, from_status, to_status, cause, occurred_at) VALUES (?, NULL, 'PENDING', 'order placed', ?)",
        [orderId, clock.now],
      );
      return orderId;
    },
    // What the inventory consumer does with `order.created`: reservation row, decrement, audit, Redis commit.
    async commitStock(sale, orderId) {
      const [rows] = await order.pool.query<RowDataPacket[]>('SELECT quantity FROM orders WHERE id = ?', [orderId]);
      const quantity = Number(rows[0]?.quantity);
      await inventory.pool.query(
        "INSERT INTO stock_reservations (order_id, tenant_id, sale_id, sku_id, quantity, status, committed_at) VALUES (?, ?, ?, ?, ?, 'committed', NOW(6))",
        [orderId, sale.tenantId, sale.saleId, sale.skuId, quantity],
      );
      await inventory.pool.query('UPDATE skus SET stock = stock - ? WHERE tenant_id = ? AND id = ?', [quantity, sale.tenantId, sale.skuId]);
      await inventory.pool.query(
        "INSERT INTO inventory_audit (tenant_id, sku_id, sale_id, operation, quantity, stock_delta, ref_id, event_id) VALUES (?, ?, ?, 'decrease', ?, ?, ?, ?)",
        [sale.tenantId, sale.skuId, sale.saleId, quantity, -quantity, orderId, randomUUID()],
      );
      await order.pool.query('UPDATE orders SET stock_committed = 1 WHERE id = ?', [orderId]);
      await reservations.commit({ saleId: sale.saleId, orderId });
    },
    // A status flipped in SQL with its history row, the way a transition lands when its follow-up event is lost.
    async setOrderStatus(orderId, status, cause = 'test') {
      const [rows] = await order.pool.query<RowDataPacket[]>('SELECT status FROM orders WHERE id = ?', [orderId]);
      await order.pool.query('UPDATE orders SET status = ?, updated_at = ? WHERE id = ?', [status, clock.now, orderId]);
      await order.pool.query('INSERT INTO order_status_history (order_id, from_status, to_status, cause, occurred_at) VALUES (?, ?, ?, ?, ?)', [
        orderId,
        rows[0]?.status,
        status,
        cause,
        clock.now,
      ]);
    },
    async runs(job) {
      const [rows] = await reconciler.pool.query<RowDataPacket[]>('SELECT * FROM reconciliation_runs WHERE job = ? ORDER BY id', [job]);
      return rows.map((row) => ({ ...row, anomalies_by_class: JSON.parse(String(row.anomalies_by_class)), sample_ids: JSON.parse(String(row.sample_ids)) }));
    },
  };
  return fixture;
}

/** Moves the fixture's clock (every job reads time from it). */
export const advance = (fixture: Fixture, ms: number) => {
  fixture.clock.now = new Date(fixture.clock.now.getTime() + ms);
};
