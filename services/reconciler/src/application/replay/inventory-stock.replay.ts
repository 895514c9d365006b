/**
 * Replay of the inventory-stock flow (contract `inventory-stock`): folds `inventory_audit` (H) in id
 * order into a scratch projection (F), compares it with the live `skus.stock` and
 * `stock_reservations.status`, applies the differences on request (guarded on the value it read),
 * then checks the contract's invariants (Q) and stores the evidence (E) in `replay_runs`.
 * Deterministic: a second replay of the same scope finds nothing to change.
 */
import { withTransaction } from '@flash-sale/service-kit';
import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { checkInvariants, totalViolations } from '../check-invariants.ts';
import { inventoryStockContract } from '../../domain/recovery-contracts/inventory-stock.contract.ts';
import { selectIn, type ServiceDatabases } from '../../infra/service-databases.ts';
import { evidenceOf, insertReplayRun, type ReplayEvidence } from '../../infra/replay-run.repository.ts';

export type { ReplayEvidence } from '../../infra/replay-run.repository.ts';

export interface ReplayScope {
  tenantId?: string;
  skuId?: string;
}

export type ProjectionChange =
  | { kind: 'sku_stock'; tenantId: string; skuId: string; live: number; projected: number }
  | { kind: 'reservation_status'; orderId: string; live: string; projected: string };

export interface ReplayResult {
  runId: number;
  evidence: ReplayEvidence;
  changes: ProjectionChange[];
  applied: boolean;
  invariants: Record<string, number>;
}

/** Audit rows per keyset page. */
const AUDIT_PAGE = 1000;

const STATUS_AFTER: Record<string, string> = { decrease: 'committed', release: 'released', refund: 'refunded' };

function scopeFilter(alias: string, scope: ReplayScope, skuColumn: string): { sql: string; params: string[] } {
  const clauses: string[] = [];
  const params: string[] = [];
  if (scope.tenantId) {
    clauses.push(`${alias}.tenant_id = ?`);
    params.push(scope.tenantId);
  }
  if (scope.skuId) {
    clauses.push(`${alias}.${skuColumn} = ?`);
    params.push(scope.skuId);
  }
  return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

export async function replayInventoryStock(
  deps: { pool: Pool; databases: ServiceDatabases; now: () => Date },
  scope: ReplayScope,
  options: { apply: boolean },
): Promise<ReplayResult> {
  const inventory = deps.databases.inventory;
  const startedAt = deps.now();
  const skuScope = scopeFilter('s', scope, 'id');
  const [skus] = await inventory.query<RowDataPacket[]>(`SELECT s.tenant_id, s.id, s.initial_stock, s.stock FROM skus s ${skuScope.sql}`, skuScope.params);
  const auditScope = scopeFilter('a', scope, 'sku_id');

  // The scratch projection: built only from history, never from the live rows. The audit is read
  // in keyset pages by id, so a sale's 100,000 rows never sit in one result set.
  const stock = new Map(skus.map((sku) => [`${String(sku.tenant_id)}/${String(sku.id)}`, Number(sku.initial_stock)]));
  const reservationStatus = new Map<string, string>();
  const seen = new Set<string>();
  let duplicates = 0;
  let processed = 0;
  let after = 0;
  for (;;) {
    const [page] = await inventory.query<RowDataPacket[]>(
      `SELECT a.id, a.tenant_id, a.sku_id, a.ref_id, a.operation, a.stock_delta FROM inventory_audit a
        ${auditScope.sql ? `${auditScope.sql} AND` : 'WHERE'} a.id > ? ORDER BY a.id LIMIT ?`,
      [...auditScope.params, after, AUDIT_PAGE],
    );
    for (const row of page) {
      processed += 1;
      const key = `${String(row.ref_id)}|${String(row.operation)}`;
      if (seen.has(key)) {
        duplicates += 1;
        continue;
      }
      seen.add(key);
      const sku = `${String(row.tenant_id)}/${String(row.sku_id)}`;
      stock.set(sku, (stock.get(sku) ?? 0) + Number(row.stock_delta));
      const status = STATUS_AFTER[String(row.operation)];
      if (status) reservationStatus.set(String(row.ref_id), status);
    }
    const last = page.at(-1);
    if (!last || page.length < AUDIT_PAGE) break;
    after = Number(last.id);
  }

  const changes: ProjectionChange[] = [];
  for (const sku of skus) {
    const projected = stock.get(`${String(sku.tenant_id)}/${String(sku.id)}`) ?? Number(sku.initial_stock);
    if (projected !== Number(sku.stock))
      changes.push({ kind: 'sku_stock', tenantId: String(sku.tenant_id), skuId: String(sku.id), live: Number(sku.stock), projected });
  }
  const orderIds = [...reservationStatus.keys()];
  if (orderIds.length > 0) {
    const live = await selectIn<RowDataPacket>(inventory, 'SELECT order_id, status FROM stock_reservations WHERE order_id IN (?)', orderIds);
    for (const row of live) {
      const projected = reservationStatus.get(String(row.order_id));
      if (projected && projected !== row.status)
        changes.push({ kind: 'reservation_status', orderId: String(row.order_id), live: String(row.status), projected });
    }
  }

  let applyFailures = 0;
  if (options.apply && changes.length > 0) {
    await withTransaction(inventory, async (tx) => {
      for (const change of changes) {
        const [result] =
          change.kind === 'sku_stock'
            ? await tx.query<ResultSetHeader>(`UPDATE skus SET stock = ? WHERE tenant_id = ? AND id = ? AND stock = ?`, [
                change.projected,
                change.tenantId,
                change.skuId,
                change.live,
              ])
            : await tx.query<ResultSetHeader>(`UPDATE stock_reservations SET status = ? WHERE order_id = ? AND status = ?`, [
                change.projected,
                change.orderId,
                change.live,
              ]);
        if (result.affectedRows !== 1) applyFailures += 1;
      }
    });
  }

  const invariants = await checkInvariants(deps.databases, inventoryStockContract);
  const violations = totalViolations(invariants);
  const evidence = evidenceOf({ events_processed: processed, duplicates_skipped: duplicates, projections_changed: changes.length }, violations + applyFailures);
  const runId = await insertReplayRun(deps.pool, {
    flow: inventoryStockContract.flow,
    scope,
    applied: options.apply,
    startedAt,
    finishedAt: deps.now(),
    evidence,
    details: { invariants, changes: changes.slice(0, 100) },
  });
  return { runId, evidence, changes, applied: options.apply, invariants };
}
