import { pino, type Logger, type LoggerOptions } from 'pino';

export interface LoggerSettings {
  service: string;
  level: string;
  /** Paths whose values are PII or secrets; the event registry contributes its PII fields. */
  redact?: string[];
}

const alwaysRedacted = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-provider-signature"]',
  '*.password',
  '*.secret',
];

export function loggerOptions(settings: LoggerSettings): LoggerOptions {
  return {
    level: settings.level,
    base: { service: settings.service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...alwaysRedacted, ...(settings.redact ?? [])], censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
  };
}

export function createLogger(settings: LoggerSettings): Logger {
  return pino(loggerOptions(settings));
}

export type { Logger };
