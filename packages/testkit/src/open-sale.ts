/**
 * A SKU and a live, armed flash sale of it, made through the inventory service's admin API as an
 * operator would (docs/adr/0005-sale-allocations.md): the demo, the load test, the benches and the
 * end-to-end tests set up their sale here. Any refusal throws with the service's answer.
 * Imported as `@flash-sale/testkit/open-sale`, so a script needs none of the test servers' clients.
 */
export interface SaleSettings {
  /** Units the sale allocates from its SKU. */
  stock: number;
  perUserLimit: number;
  holdTtlSeconds: number;
  /** The SKU's stock; the sale's by default. */
  skuStock?: number;
  skuId?: string;
  name?: string;
  unitPriceMinor?: number;
  currency?: string;
  /** How long ago the sale opened (ms, default 1 s) and how long it stays open (ms, default 1 h). */
  openedMsAgo?: number;
  openForMs?: number;
}

export interface OpenedSale {
  skuId: string;
  saleId: string;
}

async function post(inventoryUrl: string, opsToken: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${inventoryUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${opsToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${path} → ${response.status} ${text}`);
  return (text ? JSON.parse(text) : {}) as Record<string, unknown>;
}

export async function openSale(inventoryUrl: string, opsToken: string, settings: SaleSettings): Promise<OpenedSale> {
  const skuId = settings.skuId ?? `sku-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const name = settings.name ?? 'Sneaker';
  await post(inventoryUrl, opsToken, '/v1/admin/skus', { id: skuId, name, stock: settings.skuStock ?? settings.stock });
  const now = Date.now();
  const sale = await post(inventoryUrl, opsToken, '/v1/admin/sales', {
    sku_id: skuId,
    stock: settings.stock,
    unit_price_minor: settings.unitPriceMinor ?? 4999,
    currency: settings.currency ?? 'EUR',
    starts_at: new Date(now - (settings.openedMsAgo ?? 1000)).toISOString(),
    ends_at: new Date(now + (settings.openForMs ?? 3_600_000)).toISOString(),
    per_user_limit: settings.perUserLimit,
    hold_ttl_seconds: settings.holdTtlSeconds,
  });
  const saleId = String(sale.id);
  await post(inventoryUrl, opsToken, `/v1/admin/sales/${saleId}/arm`);
  return { skuId, saleId };
}
