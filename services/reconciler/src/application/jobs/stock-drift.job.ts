/**
 * Per armed sale, Redis must hold available + held + sold = armed stock; per SKU, MySQL stock must
 * equal initial stock plus the fold of `inventory_audit` (the authoritative history). A sale whose
 * Redis keys are gone (Redis lost its data) is detected here, said loudly, and rebuilt from MySQL;
 * a drifted counter is rebuilt the same way, live sale or not: the rebuild is fenced (reservations
 * are refused while it runs and land on the rebuilt sale after, holds in flight are carried over),
 * so no hold taken meanwhile is lost. Drifted MySQL stock is set back to the fold with a guarded
 * update (the audit is the truth, the stock column its projection).
 */
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { rebuildSale } from '../rebuild-sale.ts';
import { armedSales } from '../sale-books.ts';
import { Tally, type JobDeps, type ReconciliationJob } from './job.ts';

interface FoldRow extends RowDataPacket {
  tenant_id: string;
  id: string;
  stock: string | number;
  folded: string | number;
}

export const stockDriftJob: ReconciliationJob = {
  name: 'stock-drift',
  description: 'Redis available+held+sold = armed stock per sale (rebuild when lost or drifted); MySQL stock = fold of inventory_audit per SKU',
  everyMs: 60_000,
  async run(deps: JobDeps) {
    const tally = new Tally(deps.logger);
    const sales = await armedSales(deps.databases.inventory);
    let lost = 0;
    for (const sale of sales) {
      tally.checked += 1;
      const view = await deps.reservations.view(sale.saleId);
      let anomaly: string | undefined;
      if (!view && (await deps.reservations.lostSales([sale.saleId])).length === 0) continue; // being rebuilt right now
      if (!view) {
        anomaly = 'redis_sale_lost';
        lost += 1;
        deps.logger.error({ sale_id: sale.saleId }, 'armed sale has no Redis keys: Redis lost its data; rebuilding from MySQL');
      } else if (
        view.armedStock !== sale.stock ||
        view.available < 0 ||
        view.held < 0 ||
        view.sold < 0 ||
        view.available + view.held + view.sold !== view.armedStock
      ) {
        anomaly = 'redis_counter_drift';
        deps.logger.warn({ sale_id: sale.saleId, ...view, expected_armed: sale.stock }, 'Redis counters drifted; rebuilding from MySQL');
      }
      if (!anomaly) continue;
      tally.found(anomaly, sale.saleId);
      await tally.repair(anomaly, sale.saleId, async () => (await rebuildSale(deps, sale)) !== null);
    }
    deps.metrics.redisSalesLost.set(lost);

    // One database: the SKUs and their audit are both the inventory service's.
    const [skus] = await deps.databases.inventory.query<FoldRow[]>(
      `SELECT s.tenant_id, s.id, s.stock, s.initial_stock + COALESCE(SUM(a.stock_delta), 0) AS folded
         FROM skus s LEFT JOIN inventory_audit a ON a.tenant_id = s.tenant_id AND a.sku_id = s.id
        GROUP BY s.tenant_id, s.id, s.stock, s.initial_stock`,
    );
    for (const sku of skus) {
      tally.checked += 1;
      const stock = Number(sku.stock);
      const folded = Number(sku.folded);
      if (stock === folded) continue;
      tally.found('mysql_stock_drift', `${sku.tenant_id}/${sku.id}`);
      deps.logger.warn({ tenant_id: sku.tenant_id, sku_id: sku.id, stock, folded }, 'MySQL stock differs from the fold of its audit');
      await tally.repair('mysql_stock_drift', `${sku.tenant_id}/${sku.id}`, async () => {
        if (folded < 0) throw new Error(`audit of sku ${sku.id} folds to negative stock ${folded}; needs a person`);
        // Guarded on the value read: a consumer that moved the stock meanwhile wins, the next run re-checks.
        const [result] = await deps.databases.inventory.query<ResultSetHeader>(`UPDATE skus SET stock = ? WHERE tenant_id = ? AND id = ? AND stock = ?`, [
          folded,
          sku.tenant_id,
          sku.id,
          stock,
        ]);
        return result.affectedRows === 1;
      });
    }
    return tally.outcome();
  },
};
