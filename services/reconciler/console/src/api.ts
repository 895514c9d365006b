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

// The shapes the console reads: the server's reply schemas (type-only: nothing of the server is bundled).
export type { DeadLetterView as DeadLetter, InboxEntry, InboxSummary, OrderTrace, Run, SaleBooks } from '../../src/http/ops-console/console-contract.ts';
