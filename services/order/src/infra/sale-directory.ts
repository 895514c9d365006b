/**
 * What MySQL (through the inventory service, `GET /v1/internal/sales/:saleId`) says about a sale
 * that Redis does not know. Asked only when a reservation answered "sale not found": a sale that
 * is armed and not ended there lost its Redis keys (or is being rebuilt), and its buyers are told
 * to retry instead of being told it does not exist. Answers are cached per tenant and sale for a
 * few seconds in a bounded LRU, "no such sale" too, and concurrent asks share one call, so a
 * stream of random ids costs inventory one call per id and window, never one per request. An
 * unreachable or garbled inventory raises DEPENDENCY_UNAVAILABLE (503) and is not cached.
 */
import { AppError, type ServiceClient } from '@flash-sale/service-kit';
import { SALE_REBUILD_QUEUE, type SaleRebuildRequest } from '@flash-sale/stock-reservations';
import type { Queue } from 'bullmq';

export interface SaleStatus {
  saleId: string;
  armed: boolean;
  startsAtMs: number;
  endsAtMs: number;
}

export interface SaleDirectoryOptions {
  /** Reads from the inventory service as `service:order`. */
  inventory: Pick<ServiceClient, 'get'>;
  /** How long an answer (or a "not found") is reused. */
  ttlMs?: number;
  /** Most sales remembered; the least recently used goes first. */
  maxEntries?: number;
  nowMs?: () => number;
}

interface Entry {
  status: SaleStatus | null;
  expiresAtMs: number;
}

const unusable = (status: number) =>
  new AppError('DEPENDENCY_UNAVAILABLE', 503, 'the inventory service gave no usable answer', { dependency: 'inventory', status });

export class SaleDirectory {
  readonly #inventory: Pick<ServiceClient, 'get'>;
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #nowMs: () => number;
  readonly #entries = new Map<string, Entry>();
  readonly #pending = new Map<string, Promise<SaleStatus | null>>();

  constructor(options: SaleDirectoryOptions) {
    this.#inventory = options.inventory;
    this.#ttlMs = options.ttlMs ?? 3000;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#nowMs = options.nowMs ?? Date.now;
  }

  /** The sale as the books know it, or null when the tenant has no such sale. */
  async lookup(tenantId: string, saleId: string): Promise<SaleStatus | null> {
    const key = `${tenantId}\u0000${saleId}`;
    const now = this.#nowMs();
    const cached = this.#entries.get(key);
    if (cached && cached.expiresAtMs > now) {
      // Re-inserted: Map keeps insertion order, so the first key is always the least recently used.
      this.#entries.delete(key);
      this.#entries.set(key, cached);
      return cached.status;
    }
    // Buyers of one sale arrive together: they share one call instead of each making their own.
    let pending = this.#pending.get(key);
    if (!pending) {
      pending = this.#fetch(tenantId, saleId).finally(() => this.#pending.delete(key));
      this.#pending.set(key, pending);
    }
    const status = await pending;
    this.#entries.delete(key);
    this.#entries.set(key, { status, expiresAtMs: now + this.#ttlMs });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
    return status;
  }

  /** Entries held now (tests check the bound). */
  get size(): number {
    return this.#entries.size;
  }

  async #fetch(tenantId: string, saleId: string): Promise<SaleStatus | null> {
    const response = await this.#inventory.get<{ id?: unknown; armed?: unknown; starts_at?: unknown; ends_at?: unknown } | null>(
      `/v1/internal/sales/${encodeURIComponent(saleId)}`,
      tenantId,
    );
    // 404 is an answer; 400 too: an id the inventory service refuses names no sale.
    if (response.status === 404 || response.status === 400) return null;
    const body = response.body;
    if (
      response.status !== 200 ||
      !body ||
      body.id !== saleId ||
      typeof body.armed !== 'boolean' ||
      typeof body.starts_at !== 'string' ||
      typeof body.ends_at !== 'string'
    ) {
      throw unusable(response.status);
    }
    const startsAtMs = Date.parse(body.starts_at);
    const endsAtMs = Date.parse(body.ends_at);
    if (Number.isNaN(startsAtMs) || Number.isNaN(endsAtMs)) throw unusable(response.status);
    return { saleId, armed: body.armed, startsAtMs, endsAtMs };
  }
}

/** Asks the reconciler to rebuild a sale's Redis keys. */
export interface SaleRebuildRequester {
  ask(request: SaleRebuildRequest): Promise<void>;
}

/**
 * Asks through the reconciler's BullMQ queue (`SALE_REBUILD_QUEUE`). The sale id is the job id,
 * so the asks of every buyer and every order process for one sale collapse into one job.
 */
export class QueueSaleRebuildRequester implements SaleRebuildRequester {
  readonly #queue: Queue<SaleRebuildRequest>;
  readonly #askedAtMs = new Map<string, number>();

  constructor(queue: Queue<SaleRebuildRequest>) {
    if (queue.name !== SALE_REBUILD_QUEUE) throw new Error(`rebuild requests go to the ${SALE_REBUILD_QUEUE} queue, not ${queue.name}`);
    this.#queue = queue;
  }

  async ask(request: SaleRebuildRequest): Promise<void> {
    // Thousands of buyers of one sale arrive at once: one ask per sale and second from this process is enough.
    const now = Date.now();
    if ((this.#askedAtMs.get(request.sale_id) ?? 0) > now - 1000) return;
    if (this.#askedAtMs.size > 10_000) this.#askedAtMs.clear();
    this.#askedAtMs.set(request.sale_id, now);
    await this.#queue.add('rebuild', request, {
      jobId: request.sale_id,
      removeOnComplete: true,
      removeOnFail: true,
      attempts: 3,
      backoff: { type: 'fixed', delay: 1000 },
    });
  }
}
