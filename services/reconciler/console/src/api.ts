// The console's only way to the server: same origin, the operator's bearer token on every call.

const TOKEN_KEY = 'ops-console-token';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Kept per tab (sessionStorage): closing the tab signs out. */
export const tokenStore = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (token: string) => sessionStorage.setItem(TOKEN_KEY, token),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

let onUnauthorized: (error: ApiError) => void = () => undefined;
export const whenUnauthorized = (handler: (error: ApiError) => void) => {
  onUnauthorized = handler;
};

export async function api<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  const token = tokenStore.get();
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await response.text();
  const json: unknown = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const error = (json as { error?: { code?: string; message?: string } } | null)?.error;
    const failure = new ApiError(response.status, error?.code ?? 'HTTP_ERROR', error?.message ?? `HTTP ${response.status}`);
    if (response.status === 401 || response.status === 403) onUnauthorized(failure);
    throw failure;
  }
  return json as T;
}

/** The claims the console shows (who is signed in); the server verifies the token on every call. */
export function claimsOf(token: string): { sub?: string; tenant?: string; roles?: string[]; exp?: number } | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    return JSON.parse(atob(payload.replaceAll('-', '+').replaceAll('_', '/'))) as { sub?: string; tenant?: string; roles?: string[]; exp?: number };
  } catch {
    return null;
  }
}

// The shapes the console reads (the server's zod schemas are the source of truth).

export interface AuditTotals {
  rows: number;
  quantity: number;
  stock_delta: number;
}

export interface SaleBooks {
  sale_id: string;
  tenant_id: string;
  sku_id: string;
  window: 'upcoming' | 'live' | 'ended';
  starts_at: string;
  ends_at: string;
  armed_at: string | null;
  ended_at: string | null;
  sale_stock: number;
  redis: { armed_stock: number; available: number; held: number; sold: number } | null;
  mysql: { sale_allocated: number; sku_stock: number | null; sku_initial_stock: number | null; sku_allocated: number | null };
  audit: Record<'reserve' | 'decrease' | 'release' | 'refund', AuditTotals>;
  reservations: Record<'committed' | 'released' | 'released_before_created' | 'refunded', { orders: number; quantity: number }>;
  redis_balanced: boolean | null;
}

export interface Run {
  id: number;
  job: string;
  triggeredBy: string;
  startedAt: string;
  finishedAt: string;
  outcome: 'completed' | 'crashed';
  checked: number;
  anomaliesFound: number;
  anomalies: Record<string, number>;
  repaired: number;
  failed: number;
  sampleIds: string[];
  error: string | null;
  sampleScope: { tenant: string | null; withheld: number };
}

export interface DeadLetter {
  topic: string;
  partition: number;
  offset: string;
  kind: 'dead-lettered' | 'quarantined';
  consumer: string;
  attempts: number;
  failed_at: string;
  error: { code: string; message: string };
  event_id: string | null;
  event_type: string | null;
  tenant_id: string | null;
  original: { topic: string; partition: number; offset: string };
}

export interface InboxEntry {
  provider_event_id: string;
  event_type: string;
  payment_id: string | null;
  order_id: string | null;
  tenant_id: string | null;
  signed_at: string;
  received_at: string;
  processed_at: string | null;
  outcome: string;
  outcome_detail: string | null;
  duplicate_deliveries: number;
}

export interface InboxSummary {
  received: number;
  applied: number;
  duplicate: number;
  refused: number;
  by_outcome: Record<string, number>;
}

export interface OrderTrace {
  order: Record<string, unknown>;
  payments: Record<string, unknown>[];
  webhookInbox: Record<string, unknown>[];
  inventory: { reservation: Record<string, unknown> | null; audit: Record<string, unknown>[] };
  redis: { hold: unknown };
  timeline: Array<{ at: string; source: string; what: string }>;
}
