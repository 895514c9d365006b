import { EVIDENCE_FIELDS, type RecoveryContract } from './recovery-contract.ts';

export const inventoryStockContract: RecoveryContract = {
  flow: 'inventory-stock',
  history: {
    source: 'inventory_audit: append-only (triggers refuse UPDATE and DELETE), one row per (order, operation) with the signed stock_delta',
    tables: ['inventory.inventory_audit', 'inventory.skus.initial_stock'],
  },
  ordering:
    'Per SKU (tenant_id, sku_id), in audit id order; order events are partitioned by order id, so rows of different orders interleave freely and the fold is commutative.',
  idempotencyKey:
    'inventory_audit (ref_id, operation) unique: one decrease, release or refund per order, one restock per sku_restocks row (unique per tenant and client key); consumer_dedupe (consumer, event_id) guards the handler transaction.',
  projection: 'skus.stock = initial_stock + SUM(stock_delta); stock_reservations.status = last of decrease → committed, release → released, refund → refunded.',
  replayScope: 'One SKU or every SKU of a tenant, from its first audit row (the fold needs the whole history; initial_stock is its origin).',
  invariants: [
    {
      name: 'stock_on_hand_matches_transactions',
      description: 'Every SKU stock equals its initial stock plus the fold of its audit.',
      database: 'inventory',
      sql: `SELECT COUNT(*) AS violations FROM (
              SELECT s.tenant_id, s.id FROM skus s LEFT JOIN inventory_audit a ON a.tenant_id = s.tenant_id AND a.sku_id = s.id
               GROUP BY s.tenant_id, s.id, s.stock, s.initial_stock HAVING s.stock <> s.initial_stock + COALESCE(SUM(a.stock_delta), 0)) drift`,
    },
    {
      name: 'sellable_quantity_non_negative',
      description: 'No SKU folds to negative stock, and none holds more than it started with plus what ops restocked.',
      database: 'inventory',
      sql: `SELECT COUNT(*) AS violations FROM (
              SELECT s.id FROM skus s LEFT JOIN inventory_audit a ON a.tenant_id = s.tenant_id AND a.sku_id = s.id
               GROUP BY s.tenant_id, s.id, s.initial_stock
              HAVING s.initial_stock + COALESCE(SUM(a.stock_delta), 0) NOT BETWEEN 0 AND s.initial_stock + COALESCE(SUM(CASE WHEN a.operation = 'restock' THEN a.stock_delta ELSE 0 END), 0)) bad`,
    },
    {
      name: 'allocation_within_stock',
      description: 'A SKU allocates to its sales no more than its stock, and exactly what its sales hold (docs/adr/0005-sale-allocations.md).',
      database: 'inventory',
      sql: `SELECT COUNT(*) AS violations FROM skus s
              LEFT JOIN (SELECT tenant_id, sku_id, SUM(allocated) AS allocated FROM flash_sales GROUP BY tenant_id, sku_id) f
                ON f.tenant_id = s.tenant_id AND f.sku_id = s.id
             WHERE s.allocated > s.stock OR s.allocated <> COALESCE(f.allocated, 0)`,
    },
    {
      name: 'reservation_matches_audit',
      description: 'A committed reservation has a decrease and no release; a released or refunded one has its release or refund row.',
      database: 'inventory',
      sql: `SELECT COUNT(*) AS violations FROM stock_reservations r
             WHERE (r.status = 'committed' AND (NOT EXISTS (SELECT 1 FROM inventory_audit a WHERE a.ref_id = r.order_id AND a.operation = 'decrease')
                                             OR EXISTS (SELECT 1 FROM inventory_audit a WHERE a.ref_id = r.order_id AND a.operation IN ('release', 'refund'))))
                OR (r.status = 'released' AND NOT EXISTS (SELECT 1 FROM inventory_audit a WHERE a.ref_id = r.order_id AND a.operation = 'release'))
                OR (r.status = 'refunded' AND NOT EXISTS (SELECT 1 FROM inventory_audit a WHERE a.ref_id = r.order_id AND a.operation = 'refund'))`,
    },
  ],
  evidence: { fields: EVIDENCE_FIELDS, storedIn: 'reconciler.replay_runs' },
};
