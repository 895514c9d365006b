-- Sale allocations (docs/adr/0005-sale-allocations.md). A sale reserves its units from its SKU when
-- it is created, so that two sales can never offer together more than the SKU has.
--
-- Invariant: skus.allocated = SUM(flash_sales.allocated) over the SKU's sales, and
-- skus.allocated <= skus.stock. An allocation is the units reserved for a sale and not yet sold:
-- the `order.created` consumer moves a sold unit out of both `stock` and `allocated` in one
-- statement; a unit that comes back to a live sale (release or restocking refund, which put it back
-- into the sale's Redis stock) comes back into both. Ending a sale (ops, or its window passing)
-- keeps only the units that open holds may still take and returns the rest to the SKU.
-- `stock` stays the books' stock: initial_stock + SUM(inventory_audit.stock_delta) = stock.
ALTER TABLE skus
  ADD COLUMN allocated INT UNSIGNED NOT NULL DEFAULT 0 AFTER stock,
  ADD CONSTRAINT ck_skus_allocation CHECK (allocated <= stock);

ALTER TABLE flash_sales
  -- Units of this sale's stock still reserved in skus.allocated.
  ADD COLUMN allocated INT UNSIGNED NOT NULL DEFAULT 0 AFTER stock,
  -- Set once, when the sale was closed and its unsold allocation returned; NULL while it is live.
  ADD COLUMN ended_at DATETIME(3) NULL AFTER armed_at;

-- Sales created before allocations: a live one keeps what it has not sold yet, an ended one nothing.
UPDATE flash_sales f
  LEFT JOIN (SELECT sale_id, SUM(stock_delta) AS delta FROM inventory_audit WHERE sale_id IS NOT NULL GROUP BY sale_id) a ON a.sale_id = f.id
   SET f.allocated = GREATEST(0, CAST(f.stock AS SIGNED) + COALESCE(a.delta, 0))
 WHERE f.ends_at > CURRENT_TIMESTAMP(3);
UPDATE flash_sales SET ended_at = ends_at WHERE ends_at <= CURRENT_TIMESTAMP(3);
-- Capped at the stock: SKUs already oversubscribed by the old rule refuse every new sale until
-- their sales end, which is the most this migration can do without taking units from a live sale.
UPDATE skus s
  JOIN (SELECT tenant_id, sku_id, SUM(allocated) AS allocated FROM flash_sales GROUP BY tenant_id, sku_id) f
    ON f.tenant_id = s.tenant_id AND f.sku_id = s.id
   SET s.allocated = LEAST(s.stock, f.allocated);

-- Restock is an ops operation recorded in the audit like every other stock change.
ALTER TABLE inventory_audit MODIFY COLUMN operation ENUM('reserve', 'decrease', 'release', 'refund', 'restock') NOT NULL;

-- One row per restock request: its client-supplied key makes a retry a replay, not a second
-- restock. The audit row's ref_id is this row's id.
CREATE TABLE sku_restocks (
  id CHAR(36) NOT NULL,
  tenant_id VARCHAR(64) NOT NULL,
  restock_key VARCHAR(64) NOT NULL,
  sku_id VARCHAR(64) NOT NULL,
  quantity INT UNSIGNED NOT NULL,
  reason VARCHAR(200) NOT NULL,
  requested_by VARCHAR(64) NOT NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (id),
  UNIQUE KEY uq_sku_restocks_key (tenant_id, restock_key),
  CONSTRAINT fk_sku_restocks_sku FOREIGN KEY (tenant_id, sku_id) REFERENCES skus (tenant_id, id),
  CONSTRAINT ck_sku_restocks_quantity CHECK (quantity >= 1)
) ENGINE=InnoDB;
