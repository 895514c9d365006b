-- SKUs and flash sales, scoped by tenant. `skus.stock` is the book stock the consumers decrement;
-- `initial_stock` plus the audit's stock deltas must always equal it (the reconciler checks this).
CREATE TABLE skus (
  tenant_id VARCHAR(64) NOT NULL,
  id VARCHAR(64) NOT NULL,
  name VARCHAR(200) NOT NULL,
  initial_stock INT UNSIGNED NOT NULL,
  -- Unsigned: even a decrement that slipped past its guard cannot leave negative stock behind.
  stock INT UNSIGNED NOT NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  PRIMARY KEY (tenant_id, id)
) ENGINE=InnoDB;

-- A sale's id names its Redis keys, so it is a server-made uuid, unique across tenants.
CREATE TABLE flash_sales (
  id VARCHAR(64) NOT NULL,
  tenant_id VARCHAR(64) NOT NULL,
  sku_id VARCHAR(64) NOT NULL,
  stock INT UNSIGNED NOT NULL,
  unit_price_minor BIGINT UNSIGNED NOT NULL,
  currency CHAR(3) NOT NULL,
  starts_at DATETIME(3) NOT NULL,
  ends_at DATETIME(3) NOT NULL,
  per_user_limit INT UNSIGNED NOT NULL,
  hold_ttl_seconds INT UNSIGNED NOT NULL,
  -- Set once, when the stock was first loaded into Redis; a sale armed before whose Redis keys are
  -- gone needs a rebuild from the books, never a second arm.
  armed_at DATETIME(3) NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (id),
  KEY ix_flash_sales_tenant (tenant_id, starts_at),
  KEY ix_flash_sales_sku (tenant_id, sku_id),
  CONSTRAINT fk_flash_sales_sku FOREIGN KEY (tenant_id, sku_id) REFERENCES skus (tenant_id, id),
  CONSTRAINT ck_flash_sales_window CHECK (ends_at > starts_at),
  CONSTRAINT ck_flash_sales_limits CHECK (per_user_limit >= 1 AND hold_ttl_seconds >= 1)
) ENGINE=InnoDB;
