/**
 * Synchronous service-to-service reads over HTTP. The caller signs a short-lived bearer token with
 * the shared JWT secret, naming itself (`service:<name>`), the tenant it acts for and the
 * `service` role; the callee admits it with `requireRole('service')` like any other caller. Used
 * where an answer cannot wait for Kafka (an order the payment service has not seen yet, a sale
 * whose Redis keys are gone).
 */
import { createSigner } from 'fast-jwt';
import { AppError } from './errors.ts';

export interface ServiceClientOptions {
  /** The callee's base URL, e.g. http://127.0.0.1:3003 */
  baseUrl: string;
  /** The shared JWT secret (HS256). */
  secret: string;
  /** This process's service name; the token's subject is `service:<caller>`. */
  caller: string;
  /** `JWT_ISSUER` / `JWT_AUDIENCE` when configured: the callee refuses tokens without them. */
  issuer?: string | undefined;
  audience?: string | undefined;
  timeoutMs?: number;
}

export interface ServiceResponse<T> {
  status: number;
  body: T;
}

const TOKEN_LIFETIME_MS = 60_000;

export class ServiceClient {
  readonly #baseUrl: string;
  readonly #caller: string;
  readonly #timeoutMs: number;
  readonly #sign: (payload: Record<string, unknown>) => string;
  readonly #tokens = new Map<string, { token: string; renewAtMs: number }>();

  constructor(options: ServiceClientOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#caller = options.caller;
    this.#timeoutMs = options.timeoutMs ?? 2000;
    this.#sign = createSigner({
      key: options.secret,
      algorithm: 'HS256',
      expiresIn: TOKEN_LIFETIME_MS,
      ...(options.issuer ? { iss: options.issuer } : {}),
      ...(options.audience ? { aud: options.audience } : {}),
    });
  }

  /** A token for `tenantId`, reused until half its lifetime is gone. */
  token(tenantId: string): string {
    const now = Date.now();
    const cached = this.#tokens.get(tenantId);
    if (cached && cached.renewAtMs > now) return cached.token;
    const token = this.#sign({ sub: `service:${this.#caller}`, tenant: tenantId, roles: ['service'] });
    if (this.#tokens.size > 1000) this.#tokens.clear();
    this.#tokens.set(tenantId, { token, renewAtMs: now + TOKEN_LIFETIME_MS / 2 });
    return token;
  }

  /**
   * GET `path` as the service, for `tenantId`. Any HTTP status comes back to the caller to decide;
   * a network failure or timeout raises DEPENDENCY_UNAVAILABLE (503), never a guess.
   */
  async get<T = unknown>(path: string, tenantId: string): Promise<ServiceResponse<T>> {
    let response: Response;
    try {
      response = await fetch(`${this.#baseUrl}${path}`, {
        headers: { authorization: `Bearer ${this.token(tenantId)}`, accept: 'application/json' },
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      throw new AppError('DEPENDENCY_UNAVAILABLE', 503, 'a service this request depends on did not answer', {
        dependency: new URL(this.#baseUrl).host,
        reason: error instanceof Error ? error.name : 'unknown',
      });
    }
    const text = await response.text();
    let body: unknown = null;
    try {
      body = text ? (JSON.parse(text) as unknown) : null;
    } catch {
      body = null;
    }
    return { status: response.status, body: body as T };
  }
}
