/**
 * Restock: ops add units to a SKU. In one transaction: the restock row (its client key makes a
 * retry a replay), the stock increment and a `restock` audit row whose delta is the units added,
 * so initial_stock + SUM(stock_delta) = stock still holds. The new units are unallocated.
 */
import { randomUUID } from 'node:crypto';
import { conflict, notFound, type MysqlPool, withTransaction, isDuplicateKey } from '@flash-sale/service-kit';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { appendAudit } from '../infra/audit.repository.ts';
import { findSku, type Sku } from '../infra/sku.repository.ts';

const MAX_STOCK = 4_294_967_295;

export interface RestockRequest {
  skuId: string;
  quantity: number;
  reason: string;
  restockKey: string;
  requestedBy: string;
}

export interface Restock {
  id: string;
  restockKey: string;
  skuId: string;
  quantity: number;
  reason: string;
}

export interface RestockOutcome {
  restock: Restock;
  /** False when the key was used before with the same request: nothing changed. */
  created: boolean;
  sku: Sku;
}

export async function restockSku(deps: { mysql: MysqlPool }, tenantId: string, request: RestockRequest): Promise<RestockOutcome> {
  return withTransaction(deps.mysql, async (tx) => {
    const sku = await findSku(tx, tenantId, request.skuId, { forUpdate: true });
    if (!sku) throw notFound('sku', { sku_id: request.skuId });
    const id = randomUUID();
    try {
      await tx.query('INSERT INTO sku_restocks (id, tenant_id, restock_key, sku_id, quantity, reason, requested_by) VALUES (?, ?, ?, ?, ?, ?, ?)', [
        id,
        tenantId,
        request.restockKey,
        sku.id,
        request.quantity,
        request.reason,
        request.requestedBy,
      ]);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const [rows] = await tx.query<RowDataPacket[]>('SELECT id, sku_id, quantity, reason FROM sku_restocks WHERE tenant_id = ? AND restock_key = ?', [
        tenantId,
        request.restockKey,
      ]);
      const existing = rows[0];
      if (!existing) throw error;
      if (existing.sku_id !== sku.id || Number(existing.quantity) !== request.quantity) {
        throw conflict('IDEMPOTENCY_KEY_REUSED', 'this restock key was used for another restock', {
          restock_key: request.restockKey,
          sku_id: String(existing.sku_id),
          quantity: Number(existing.quantity),
        });
      }
      const restock = { id: String(existing.id), restockKey: request.restockKey, skuId: sku.id, quantity: request.quantity, reason: String(existing.reason) };
      return { restock, created: false, sku };
    }
    // The column is INT UNSIGNED: past its top the statement would fail as a 500, so refuse first.
    const [result] = await tx.query<ResultSetHeader>('UPDATE skus SET stock = stock + ? WHERE tenant_id = ? AND id = ? AND stock <= ? - ?', [
      request.quantity,
      tenantId,
      sku.id,
      MAX_STOCK,
      request.quantity,
    ]);
    if (result.affectedRows !== 1)
      throw conflict('SKU_STOCK_LIMIT', 'the SKU cannot hold that much stock', { sku_id: sku.id, stock: sku.stock, max_stock: MAX_STOCK });
    await appendAudit(tx, {
      tenantId,
      skuId: sku.id,
      saleId: null,
      operation: 'restock',
      quantity: request.quantity,
      stockDelta: request.quantity,
      refId: id,
      eventId: null,
    });
    return {
      restock: { id, restockKey: request.restockKey, skuId: sku.id, quantity: request.quantity, reason: request.reason },
      created: true,
      sku: { ...sku, stock: sku.stock + request.quantity },
    };
  });
}
