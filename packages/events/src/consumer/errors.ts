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

/** The error contract of seed 000, as written into dead-letter and quarantine entries. */
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
