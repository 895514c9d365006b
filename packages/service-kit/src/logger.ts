import { fileURLToPath } from 'node:url';
import type { FastifyBaseLogger } from 'fastify';
import { pino, type ChildLoggerOptions, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

/** `json`: one object per line, for a log collector. `pretty`: one readable line per entry, for a person at a terminal. */
export type LogFormat = 'json' | 'pretty';

export interface LoggerSettings {
  service: string;
  level: string;
  /** Paths whose values are PII or secrets; the event registry contributes its PII fields. */
  redact?: string[];
  /** Absent: json. */
  format?: LogFormat;
}

/**
 * `LOG_FORMAT` when set; otherwise pretty only in development (`npm start`, where a person reads
 * the console), so production and tests keep JSON without saying so.
 */
export function logFormat(config: { NODE_ENV?: string | undefined; LOG_FORMAT?: LogFormat | undefined }): LogFormat {
  return config.LOG_FORMAT ?? (config.NODE_ENV === 'development' ? 'pretty' : 'json');
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

/**
 * pino-pretty (pretty-transport.ts) formats in a worker thread, off the thread that serves requests.
 * One line per entry: the service is already in `npm start`'s prefix, pid and host say nothing
 * locally, and the component (outbox-relay, the Kafka client, …) leads the message.
 */
const prettyTransport = {
  target: fileURLToPath(new URL('./pretty-transport.ts', import.meta.url)),
  options: {
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service,component',
    messageFormat: '{if component}{component}: {end}{msg}',
    singleLine: true,
  },
};

type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
type Bindings = Record<string, unknown>;
/** What a request logger is made from: a pino logger (`levels` tells which levels a line is written at). */
type ParentLogger = Pick<Logger, 'child' | 'level' | 'levels'>;

/**
 * fastify gives every request a child logger with the request id bound. With redaction configured,
 * pino's child runs each binding through the redaction stringifier and rebuilds its formatters:
 * about 4 µs per request (a twentieth of a cached public read) for a logger most requests never
 * write to. This one stands in for the child and makes it at the first line written at an enabled
 * level, so a line says exactly what the eager child would have said (same bindings, same options).
 */
class RequestLogger {
  readonly #parent: ParentLogger;
  readonly #bindings: Bindings;
  readonly #options: ChildLoggerOptions;
  #child: Logger | undefined;

  constructor(parent: ParentLogger, bindings: Bindings, options: ChildLoggerOptions) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#options = options;
  }

  #logger(): Logger {
    this.#child ??= this.#parent.child(this.#bindings, this.#options);
    return this.#child;
  }

  get level(): string {
    return this.#child?.level ?? this.#options.level ?? this.#parent.level;
  }

  set level(level: string) {
    this.#logger().level = level;
  }

  /** pino's, answered without making the child. */
  isLevelEnabled(level: string): boolean {
    if (this.#child) return this.#child.isLevelEnabled(level);
    const values = this.#parent.levels.values;
    const threshold = values[this.level];
    const asked = values[level];
    return threshold !== undefined && asked !== undefined && asked >= threshold;
  }

  bindings(): Bindings {
    return this.#logger().bindings();
  }

  #write(level: LogLevel, args: unknown[]): void {
    if (!this.#child) {
      const values = this.#parent.levels.values;
      // A level pino does not know is left to pino (it throws as the eager child would have).
      const threshold = values[this.level];
      if (threshold !== undefined && (values[level] ?? 0) < threshold) return;
    }
    const logger = this.#logger();
    logger[level](...(args as Parameters<Logger['info']>));
  }

  fatal(...args: unknown[]): void {
    this.#write('fatal', args);
  }
  error(...args: unknown[]): void {
    this.#write('error', args);
  }
  warn(...args: unknown[]): void {
    this.#write('warn', args);
  }
  info(...args: unknown[]): void {
    this.#write('info', args);
  }
  debug(...args: unknown[]): void {
    this.#write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.#write('trace', args);
  }
  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): Logger {
    return this.#logger().child(bindings, options);
  }
}

/**
 * fastify's `childLoggerFactory` returning a request logger that becomes pino's child at its first
 * line (RequestLogger above). A logger that is not pino's gets fastify's eager child.
 */
export function lazyRequestLogger(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  const parent = logger as unknown as Partial<ParentLogger>;
  if (typeof parent.levels?.values !== 'object') return logger.child(bindings, options);
  return new RequestLogger(parent as ParentLogger, bindings, options);
}

/** `destination` is for tests that read what was logged; processes log to stdout. */
export function createLogger(settings: LoggerSettings, destination?: DestinationStream): Logger {
  if (destination) return pino(loggerOptions(settings), destination);
  if (settings.format === 'pretty') return pino({ ...loggerOptions(settings), transport: prettyTransport });
  return pino(loggerOptions(settings));
}

export type { Logger };
