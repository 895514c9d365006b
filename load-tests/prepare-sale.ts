// Creates a SKU and a flash sale of SALE_STOCK units through the inventory admin API, arms it, and
// prints the sale id (the only line on stdout).
import { createSigner } from 'fast-jwt';

const env = (name: string, fallback?: string) => {
  const value = process.env[name] ?? fallback;
  if (!value) throw new Error(`${name} must be set (source infra/local/env.sh)`);
  return value;
};
const inventoryUrl = env('INVENTORY_URL', 'http://127.0.0.1:3003');
const stock = Number(env('SALE_STOCK', '500'));
const tenant = env('TENANT', 't1');
const ops = createSigner({ key: env('JWT_SECRET'), expiresIn: 600_000, ...(process.env.JWT_ISSUER ? { iss: process.env.JWT_ISSUER } : {}), ...(process.env.JWT_AUDIENCE ? { aud: process.env.JWT_AUDIENCE } : {}) })({ sub: 'load-test-ops', tenant, roles: ['ops'] });

async function post(path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${inventoryUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ops}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`POST ${path} → ${response.status} ${JSON.stringify(json)}`);
  return json;
}

const skuId = `load-${Date.now().toString(36)}`;
await post('/v1/admin/skus', { id: skuId, name: 'Load-test sneaker', stock });
const now = Date.now();
const sale = await post('/v1/admin/sales', {
  sku_id: skuId,
  stock,
  unit_price_minor: 4999,
  currency: 'EUR',
  starts_at: new Date(now - 1000).toISOString(),
  ends_at: new Date(now + 3_600_000).toISOString(),
  per_user_limit: 1,
  // Longer than any run, so no hold expires while the invariants are checked.
  hold_ttl_seconds: 3600,
});
await post(`/v1/admin/sales/${String(sale.id)}/arm`);
console.error(`sale ${String(sale.id)} (sku ${skuId}) armed with ${stock} units`);
console.log(String(sale.id));
