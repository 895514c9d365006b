/**
 * The public sale catalog: the hottest read of a flash sale (everyone refreshes the page before it
 * opens), so it is served from memory. A sale or a page is loaded at most once per TTL per process
 * (one MySQL query for the rows, one Redis call per armed sale for the stock), whatever the number
 * of readers, and kept as the exact bytes sent with their ETag, so a hit costs neither a query nor
 * a serialization. An entry also ends at the next opening or closing of a sale it shows: the
 * status flips on time, not up to one TTL late.
 *
 * Remaining stock is Redis's `available` while the sale is armed there; when Redis does not have
 * it (not armed yet, lost, or not answering) it is the books' figure (`flash_sales.allocated`),
 * never an error: a shopper's page must not fail because the stock figure is a moment behind.
 * The choices and their limits: docs/adr/0008-public-sale-reads.md.
 */
import { createHash } from 'node:crypto';
import { encodeKeysetCursor, type KeysetPosition, type Logger, type Sql } from '@flash-sale/service-kit';
import type { StockReservations } from '@flash-sale/stock-reservations';
import { publicSaleStatus, type PublicSaleStatus } from '../domain/sale-status.ts';
import { currentSalesPage, findPublicSale, tenantHasCatalog, type PublicSaleRow } from '../infra/public-sale.repository.ts';
import { ShortLivedCache, type Loaded } from '../infra/short-lived-cache.ts';

/**
 * One second: the stock figure of a live sale changes with every order, and a shopper's page may
 * lag it by that much; at a thousand readers a second per process it is one load instead of a
 * thousand. The same second is the `Cache-Control: max-age` (public-sales.routes.ts).
 */
export const SALE_CATALOG_TTL_MS = 1000;

export interface PublicSale {
  id: string;
  name: string;
  sku_id: string;
  unit_price_minor: number;
  currency: string;
  starts_at: string;
  ends_at: string;
  per_user_limit: number;
  status: PublicSaleStatus;
  /** Units a shopper can still buy; 0 once the sale ended. */
  remaining_stock: number;
}

export interface SalePage {
  items: PublicSale[];
  /** Hand back as `cursor` for the next page; null on the last page. */
  next_cursor: string | null;
}

/** A response as sent: its JSON text and a weak ETag of that text. */
export interface Representation {
  body: string;
  etag: string;
}

export interface SaleCatalogDeps {
  mysql: Sql;
  reservations: StockReservations;
  now: () => Date;
  logger: Logger;
  ttlMs?: number;
  /** Sales and pages kept at once per process (default 10,000). */
  maxEntries?: number;
  /**
   * How long a load waits for Redis's stock figure before it shows the books' (default 250 ms):
   * while Redis is away its client retries for seconds, and every reader of the key waits on that load.
   */
  stockReadTimeoutMs?: number;
}

const represent = (value: unknown): Representation => {
  const body = JSON.stringify(value);
  // Weak: the same content is the same resource for a shopper, however it was encoded on the wire.
  return { body, etag: `W/"${createHash('sha1').update(body).digest('base64url')}"` };
};

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  // The late answer (or failure) of the losing read is dropped, not left unhandled.
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The next instant after `nowMs` at which a sale's status changes by the clock alone. */
const nextBoundaryMs = (sale: PublicSaleRow, nowMs: number) =>
  sale.ended ? Number.POSITIVE_INFINITY : nowMs < sale.startsAtMs ? sale.startsAtMs : nowMs < sale.endsAtMs ? sale.endsAtMs : Number.POSITIVE_INFINITY;

const saleKey = (tenantId: string, saleId: string) => `sale:${tenantId}:${saleId}`;

export class SaleCatalog {
  readonly #deps: SaleCatalogDeps;
  readonly #cache: ShortLivedCache<Representation | null>;

  constructor(deps: SaleCatalogDeps) {
    this.#deps = deps;
    this.#cache = new ShortLivedCache({ ttlMs: deps.ttlMs ?? SALE_CATALOG_TTL_MS, maxEntries: deps.maxEntries ?? 10_000, nowMs: () => deps.now().getTime() });
  }

  /**
   * The sale as a shopper sees it; null when the tenant has no such sale (another tenant's included).
   * Not `async`: a hit is the cache's own promise, not one more wrapped around it.
   */
  sale(tenantId: string, saleId: string): Promise<Representation | null> {
    return this.#cache.get(saleKey(tenantId, saleId), () => this.#loadSale(tenantId, saleId));
  }

  /** What `sale` would give now without loading: undefined when it would have to load. */
  cachedSale(tenantId: string, saleId: string): Representation | null | undefined {
    return this.#cache.peek(saleKey(tenantId, saleId));
  }

  async #loadSale(tenantId: string, saleId: string): Promise<Loaded<Representation | null>> {
    const row = await findPublicSale(this.#deps.mysql, tenantId, saleId);
    // An unknown id is kept as briefly as a known one: a stampede on a sale not created yet costs one query per TTL too.
    if (!row) return { value: null };
    const nowMs = this.#deps.now().getTime();
    const [remaining] = await this.#remaining([row]);
    return { value: represent(this.#publicSale(row, remaining ?? 0, nowMs)), validUntilMs: nextBoundaryMs(row, nowMs) };
  }

  /** Sales not ended yet, soonest opening first (live ones, then upcoming); null for an unknown tenant. */
  async page(tenantId: string, options: { limit: number; after?: KeysetPosition | undefined }): Promise<Representation | null> {
    const position = options.after ? `${options.after.at}:${options.after.id}` : '';
    return this.#cache.get(`page:${tenantId}:${options.limit}:${position}`, async () => {
      const nowMs = this.#deps.now().getTime();
      const rows = await currentSalesPage(this.#deps.mysql, tenantId, { nowMs, limit: options.limit, after: options.after });
      if (rows.length === 0 && !(await tenantHasCatalog(this.#deps.mysql, tenantId))) return { value: null };
      const shown = rows.slice(0, options.limit);
      const remaining = await this.#remaining(shown);
      const last = shown.at(-1);
      const page: SalePage = {
        items: shown.map((row, i) => this.#publicSale(row, remaining[i] ?? 0, nowMs)),
        next_cursor: rows.length > options.limit && last ? encodeKeysetCursor({ at: last.startsAtMs, id: last.id }) : null,
      };
      return { value: represent(page), validUntilMs: Math.min(...shown.map((row) => nextBoundaryMs(row, nowMs))) };
    });
  }

  #publicSale(row: PublicSaleRow, remaining: number, nowMs: number): PublicSale {
    const status = publicSaleStatus(row, remaining, nowMs);
    return {
      id: row.id,
      name: row.name,
      sku_id: row.skuId,
      unit_price_minor: row.unitPriceMinor,
      currency: row.currency,
      starts_at: new Date(row.startsAtMs).toISOString(),
      ends_at: new Date(row.endsAtMs).toISOString(),
      per_user_limit: row.perUserLimit,
      status,
      remaining_stock: status === 'ended' ? 0 : remaining,
    };
  }

  /** Each sale's remaining units: Redis when armed there, else the books; the Redis calls go out together. */
  async #remaining(rows: PublicSaleRow[]): Promise<number[]> {
    return Promise.all(
      rows.map(async (row) => {
        if (row.ended) return 0;
        try {
          const view = await withTimeout(this.#deps.reservations.view(row.id), this.#deps.stockReadTimeoutMs ?? 250);
          if (view) return view.available;
        } catch (error) {
          this.#deps.logger.warn({ err: error, sale_id: row.id }, 'sale stock read from the books: Redis did not answer');
        }
        return row.allocated;
      }),
    );
  }
}
