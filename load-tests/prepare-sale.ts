// Creates a SKU and a flash sale of SALE_STOCK units through the inventory admin API, arms it, and
// prints the sale id (the only line on stdout).
import { openSale } from '@flash-sale/testkit/open-sale';
import { createSigner } from 'fast-jwt';

const env = (name: string, fallback?: string) => {
  const value = process.env[name] ?? fallback;
  if (!value) throw new Error(`${name} must be set (source infra/local/env.sh)`);
  return value;
};
const inventoryUrl = env('INVENTORY_URL', 'http://127.0.0.1:3003');
const stock = Number(env('SALE_STOCK', '500'));
const tenant = env('TENANT', 't1');
const ops = createSigner({
  key: env('JWT_SECRET'),
  expiresIn: 600_000,
  ...(process.env.JWT_ISSUER ? { iss: process.env.JWT_ISSUER } : {}),
  ...(process.env.JWT_AUDIENCE ? { aud: process.env.JWT_AUDIENCE } : {}),
})({ sub: 'load-test-ops', tenant, roles: ['ops'] });

const { skuId, saleId } = await openSale(inventoryUrl, ops, {
  skuId: `load-${Date.now().toString(36)}`,
  name: 'Load-test sneaker',
  stock,
  perUserLimit: 1,
  // Longer than any run, so no hold expires while the invariants are checked.
  holdTtlSeconds: 3600,
});
console.error(`sale ${saleId} (sku ${skuId}) armed with ${stock} units`);
console.log(saleId);
