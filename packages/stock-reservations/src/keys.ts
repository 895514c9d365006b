/**
 * Redis key layout of one sale. Every key carries the sale id as its hash tag (`{saleId}`), so all
 * keys a script touches live in one Redis Cluster slot.
 */
// A type alias (not an interface) so Object.values() of it is string[].
export type SaleKeys = {
  /**
   * Hash: tenant_id, sku_id, armed_stock, unit_price_minor, currency, starts_at_ms, ends_at_ms,
   * per_user_limit, hold_ttl_ms, armed_at_ms, and write_epoch (absent = 0; set by a rebuild: the
   * epoch the sale's MySQL write fence must still have for an order reserved here to be written).
   */
  meta: string;
  /** Hash: available, held, sold (units). available + held + sold = armed_stock. */
  stock: string;
  /** Hash: order id -> JSON {s: H held | C committed | R released, q: units, e: hold expiry ms, u: user id, r?: release reason}. */
  orders: string;
  /** Hash: user id -> units held + sold (the per-user limit counts both). */
  users: string;
  /** Sorted set: order ids still held, scored by hold expiry (ms), for expiry and orphan repair. */
  expiry: string;
  /**
   * Set: every user who ever held units of the sale (never shrinks; a rebuild leaves it alone).
   * With `users`, it tells a process which buyers of a sold-out sale may still replay a 201.
   */
  buyers: string;
};

const HASH_TAG_BREAKERS = /[{}]/;

/** `<prefix>sale:{<saleId>}`: every key of the sale starts with it, so all share one slot. */
export function saleKeyBase(keyPrefix: string, saleId: string): string {
  // A brace inside the id would change which part Redis hashes and split the sale across slots.
  if (!saleId || HASH_TAG_BREAKERS.test(saleId)) throw new Error(`sale id ${JSON.stringify(saleId)} must be non-empty and free of braces`);
  if (HASH_TAG_BREAKERS.test(keyPrefix)) throw new Error('key prefix must be free of braces');
  return `${keyPrefix}sale:{${saleId}}`;
}

export function saleKeys(keyPrefix: string, saleId: string): SaleKeys {
  const base = saleKeyBase(keyPrefix, saleId);
  return {
    meta: `${base}:meta`,
    stock: `${base}:stock`,
    orders: `${base}:orders`,
    users: `${base}:users`,
    expiry: `${base}:expiry`,
    buyers: `${base}:buyers`,
  };
}

/**
 * An Idempotency-Key record that `reserve` claims together with the units: it lives under the
 * sale's hash tag, so one script reaches both. `scope` names the caller and the key (no braces).
 */
export function saleIdempotencyKey(keyPrefix: string, saleId: string, scope: string): string {
  if (HASH_TAG_BREAKERS.test(scope)) throw new Error('an idempotency scope must be free of braces');
  return `${saleKeyBase(keyPrefix, saleId)}:idem:${scope}`;
}

/** The keys of a fenced rebuild (see `rebuild-begin-7.lua`); same hash tag, same slot as the sale. */
export type RebuildKeys = {
  /** String: the fencing token of the rebuild in progress, with a lifetime. */
  lock: string;
  /** The live meta, set aside while the rebuild runs so `reserve` refuses. */
  priorMeta: string;
  orders: string;
  users: string;
  expiry: string;
  /** Hash: held, sold units staged so far. */
  counts: string;
};

export function rebuildKeys(keyPrefix: string, saleId: string): RebuildKeys {
  const base = saleKeyBase(keyPrefix, saleId);
  return {
    lock: `${base}:rebuild`,
    priorMeta: `${base}:rb:prior-meta`,
    orders: `${base}:rb:orders`,
    users: `${base}:rb:users`,
    expiry: `${base}:rb:expiry`,
    counts: `${base}:rb:counts`,
  };
}

/** Pub/sub channel on which the scripts announce that a sold-out sale has stock again. */
export const stockReturnedChannel = (keyPrefix: string) => `${keyPrefix}stock-returned`;

/** What each key of a sale holds, for an ACL that grants it (services' `redis-access.ts`). */
const SALE_KEY_PURPOSES: Record<keyof SaleKeys, string> = {
  meta: 'a sale as armed',
  stock: 'available, held and sold units',
  orders: "each order's hold",
  users: 'units per buyer (the per-user limit)',
  expiry: 'holds by expiry',
  buyers: 'who ever held units (replaying a 201 after sold out)',
};

/** Redis ACL key patterns (any sale) of the named keys of a sale, each with what it holds. */
export function saleKeyGrants(...parts: (keyof SaleKeys)[]): { pattern: string; why: string }[] {
  const keys = saleKeys('', '*');
  return parts.map((part) => ({ pattern: keys[part], why: SALE_KEY_PURPOSES[part] }));
}
