/**
 * One error base with a stable `code`, mapped to HTTP in one place (`error-handler.ts`) and
 * rendered as `{"error":{"code","message","details"}}`.
 */
export type ErrorDetails = Record<string, unknown>;

export class AppError extends Error {
  readonly code: string;
  readonly statusCode: number;
  readonly details: ErrorDetails;
  /** Sent as `Retry-After` (seconds): the condition is temporary and the client should come back. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: string, statusCode: number, message: string, details: ErrorDetails = {}, options: { retryAfterSeconds?: number } = {}) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.statusCode = statusCode;
    this.details = details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export const validationFailed = (message: string, details: ErrorDetails = {}) => new AppError('VALIDATION_FAILED', 400, message, details);
export const notFound = (what: string, details: ErrorDetails = {}) => new AppError('NOT_FOUND', 404, `${what} not found`, details);
export const unauthorized = (message = 'missing or invalid credentials') => new AppError('UNAUTHORIZED', 401, message);
export const forbidden = (message = 'not allowed') => new AppError('FORBIDDEN', 403, message);
export const conflict = (code: string, message: string, details: ErrorDetails = {}) => new AppError(code, 409, message, details);
export const unavailable = (message: string, details: ErrorDetails = {}) => new AppError('SERVICE_UNAVAILABLE', 503, message, details);

export interface ErrorBody {
  error: { code: string; message: string; details: ErrorDetails };
}

export const errorBody = (code: string, message: string, details: ErrorDetails = {}): ErrorBody => ({
  error: { code, message, details },
});
