/**
 * How a handler tells the runtime what to do with a failure. Anything that is not a
 * `TerminalError` is retried with backoff (an unknown error is assumed transient: a deadlock, a
 * timeout, a dependency restarting), then dead-lettered when the attempts run out.
 */
export class RetryableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RetryableError';
  }
}

/** Retrying cannot help (a business rule refuses the event): dead-letter it at once. */
export class TerminalError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

/**
 * The error contract, `{ error: { code, message, details } }`, as written into dead-letter and
 * quarantine entries (docs/eventing.md, "Dead letters and quarantine").
 */
export interface ErrorContract {
  error: { code: string; message: string; details: Record<string, unknown> };
}

export function errorContract(code: string, message: string, details: Record<string, unknown> = {}): ErrorContract {
  return { error: { code, message, details } };
}

/** The contract for a handler failure; only the error's class and message, never its payload. */
export function handlerErrorContract(error: unknown, attempts: number): ErrorContract {
  const terminal = error instanceof TerminalError;
  const name = error instanceof Error ? error.name : typeof error;
  const message = error instanceof Error ? error.message : String(error);
  return errorContract(terminal ? 'HANDLER_TERMINAL_ERROR' : 'HANDLER_RETRIES_EXHAUSTED', message, { error_name: name, attempts });
}

/** The aggregate an event would change, as the handler loaded it. */
export interface AggregateRef {
  /** What it is, e.g. `order`, `flash_sale`, `order_view`. */
  kind: string;
  id: string;
  tenantId: string;
}

/**
 * The event's `metadata.tenant_id` is not the tenant of the aggregate it would change. Retrying
 * cannot help and the event must not be applied: the runtime quarantines it at once (rolling back
 * whatever the handler did), with `TENANT_MISMATCH` and both tenants as the reason.
 */
export class TenantMismatchError extends TerminalError {
  readonly eventTenant: string;
  readonly aggregate: AggregateRef;

  constructor(eventTenant: string, aggregate: AggregateRef) {
    super(`event of tenant ${eventTenant} refused: ${aggregate.kind} ${aggregate.id} belongs to tenant ${aggregate.tenantId}`);
    this.name = 'TenantMismatchError';
    this.eventTenant = eventTenant;
    this.aggregate = aggregate;
  }

  contract(): ErrorContract {
    return errorContract('TENANT_MISMATCH', this.message, {
      event_tenant: this.eventTenant,
      aggregate_kind: this.aggregate.kind,
      aggregate_id: this.aggregate.id,
      aggregate_tenant: this.aggregate.tenantId,
    });
  }
}

/**
 * How a handler (single or batch) states which tenant owns the aggregate it loaded: throws
 * `TenantMismatchError` when that is not the event's tenant. The runtime cannot know the
 * aggregate, so every handler that loads one calls this before changing it.
 */
export function assertTenant(event: { metadata: { tenant_id: string } }, aggregate: AggregateRef): void {
  if (event.metadata.tenant_id !== aggregate.tenantId) throw new TenantMismatchError(event.metadata.tenant_id, aggregate);
}
