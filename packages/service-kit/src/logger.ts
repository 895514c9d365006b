import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export interface LoggerSettings {
  service: string;
  level: string;
  /** Paths whose values are PII or secrets; the event registry contributes its PII fields. */
  redact?: string[];
}

/**
 * mysql2 errors carry the statement (`sql`), its bound `values` and the server's text
 * (`sqlMessage`), which quotes the offending value (`Duplicate entry 'alice@…'`). A log line must
 * say which statement failed without copying shoppers' data into the log store.
 */
const sqlFields = ['sql', 'sqlMessage', 'values', 'parameters'];
const errorKeys = ['err', 'error'];

const alwaysRedacted = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-provider-signature"]',
  '*.password',
  '*.secret',
  ...errorKeys.flatMap((key) => sqlFields.flatMap((field) => [`${key}.${field}`, `*.${key}.${field}`, `${key}.cause.${field}`])),
];

const CENSOR = '[redacted]';
// The server's message repeats sqlMessage; only the quoted literal after "entry"/"value" is data.
const quotedValue = /\b(entry|value:?)\s+'(?:[^'\\]|\\.)*'/gi;

/**
 * pino's error serializer, minus the SQL fields on the error and on every error in its `cause`
 * chain (redact paths reach a fixed depth only).
 */
export function serializeError(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error)) return error;
  const serialized = pino.stdSerializers.err(error) as unknown as Record<string, unknown>;
  if ('sqlMessage' in error || 'sql' in error) {
    for (const field of sqlFields) if (field in serialized) serialized[field] = CENSOR;
    if (typeof serialized.message === 'string') serialized.message = serialized.message.replace(quotedValue, `$1 ${CENSOR}`);
    if (typeof serialized.stack === 'string') serialized.stack = serialized.stack.replace(quotedValue, `$1 ${CENSOR}`);
  }
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof Error && depth < 5) serialized.cause = serializeError(cause, depth + 1);
  return serialized;
}

export function loggerOptions(settings: LoggerSettings): LoggerOptions {
  return {
    level: settings.level,
    base: { service: settings.service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...alwaysRedacted, ...(settings.redact ?? [])], censor: CENSOR },
    serializers: { err: (error: unknown) => serializeError(error), error: (error: unknown) => serializeError(error) },
    formatters: { level: (label) => ({ level: label }) },
  };
}

/** `destination` is for tests that read what was logged; processes log to stdout. */
export function createLogger(settings: LoggerSettings, destination?: DestinationStream): Logger {
  return destination ? pino(loggerOptions(settings), destination) : pino(loggerOptions(settings));
}

export type { Logger };
