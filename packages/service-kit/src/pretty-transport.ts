/**
 * The pino transport behind `LOG_FORMAT=pretty`: pino-pretty, with an error shown as one line
 * (type, message, code, details, cause) under a warning, and with its stack under an error. A
 * dependency that is still starting should cost a person two lines, not a screen of stack frames.
 * Runs in pino's transport worker thread; loaded by path from logger.ts.
 */
import pretty, { type PrettyOptions } from 'pino-pretty';

interface SerializedError {
  type?: string;
  message?: string;
  stack?: string;
  code?: string;
  details?: unknown;
  cause?: SerializedError;
}

const withStack = new Set(['error', 'fatal']);

export function prettyError(value: unknown, level: unknown): string {
  if (typeof value !== 'object' || value === null) return String(value);
  const error = value as SerializedError;
  const parts = [`${error.type ?? 'Error'}: ${error.message ?? ''}`];
  if (error.code) parts.push(`[${error.code}]`);
  if (error.details !== undefined) parts.push(JSON.stringify(error.details));
  for (let cause = error.cause, depth = 0; cause && depth < 5; cause = cause.cause, depth++) parts.push(`← ${cause.type ?? 'Error'}: ${cause.message ?? ''}`);
  const head = parts.join(' ');
  if (!withStack.has(String(level)) || !error.stack) return head;
  // The stack's first line repeats type and message.
  return [head, ...error.stack.split('\n').slice(1)].join('\n');
}

export default function prettyTransport(options: PrettyOptions) {
  const prettifyError = (value: string | object, _key: string, log: object) => prettyError(value, (log as { level?: unknown }).level);
  return pretty({ ...options, customPrettifiers: { ...options.customPrettifiers, err: prettifyError, error: prettifyError } });
}
