/**
 * Rebuilds one armed sale's Redis keys from MySQL. Holds Redis still has for orders MySQL does not
 * know yet, and that have not expired, are kept: they are orders whose MySQL write is in flight
 * (dropping them would let their units be sold twice); the orphan-hold job releases the ones whose
 * write failed. After a total Redis loss there are none, and MySQL alone decides.
 */
import type { Logger } from '@flash-sale/service-kit';
import type { RebuildOrder, StockReservations, StockView } from '@flash-sale/stock-reservations';
import type { Redis } from 'ioredis';
import type { Pool } from 'mysql2/promise';
import type { Tables } from '../infra/schemas.ts';
import { unitsOutOfSale, type ArmedSale } from './sale-books.ts';

export interface RebuildDeps {
  pool: Pool;
  tables: Tables;
  redis: Redis;
  reservations: StockReservations;
  logger: Logger;
  now: () => Date;
}

interface RedisOrder {
  s: string;
  q: number | string;
  e: number | string;
  u: string;
}

export async function inFlightHolds(redis: Redis, reservations: StockReservations, saleId: string, known: ReadonlySet<string>, nowMs: number): Promise<RebuildOrder[]> {
  const entries = await redis.hgetall(reservations.keys(saleId).orders);
  const holds: RebuildOrder[] = [];
  for (const [orderId, raw] of Object.entries(entries)) {
    if (known.has(orderId)) continue;
    const order = JSON.parse(raw) as RedisOrder;
    const expiresAtMs = Number(order.e);
    if (order.s === 'H' && expiresAtMs > nowMs) holds.push({ orderId, userId: order.u, quantity: Number(order.q), state: 'held', holdExpiresAtMs: expiresAtMs });
  }
  return holds;
}

export async function rebuildSale(deps: RebuildDeps, sale: ArmedSale): Promise<StockView> {
  const fromBooks = await unitsOutOfSale(deps.pool, deps.tables, sale.saleId);
  const inFlight = await inFlightHolds(deps.redis, deps.reservations, sale.saleId, new Set(fromBooks.map((order) => order.orderId)), deps.now().getTime());
  const view = await deps.reservations.rebuild(sale, [...fromBooks, ...inFlight]);
  deps.logger.warn({ sale_id: sale.saleId, orders: fromBooks.length, in_flight_holds: inFlight.length, ...view }, 'sale rebuilt in Redis from MySQL');
  return view;
}
