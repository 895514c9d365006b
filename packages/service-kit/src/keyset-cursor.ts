/**
 * Opaque cursors for keyset pagination over `(time, id)`: the position of the last row a page
 * held. A client only hands them back; the server alone reads them, so their shape can change
 * without breaking anyone who treats them as opaque. Unlike an offset, a keyset position neither
 * skips nor repeats a row when rows are added in front of it, and rows sharing one timestamp are
 * told apart by their id.
 */
import { z } from 'zod';

export interface KeysetPosition {
  /** The row's sort key as a non-negative integer: a time in the unit its column keeps (epoch ms, or µs for DATETIME(6)). */
  at: number;
  /** The row's id (the tie-breaker between equal times). */
  id: string;
}

const ID = /^[A-Za-z0-9._:-]{1,64}$/;

export const encodeKeysetCursor = (position: KeysetPosition): string => Buffer.from(JSON.stringify([position.at, position.id])).toString('base64url');

/** The position a cursor holds, or undefined when it is not one this module wrote. */
export function decodeKeysetCursor(cursor: string): KeysetPosition | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) return undefined;
  const [at, id] = decoded as [unknown, unknown];
  if (typeof at !== 'number' || !Number.isSafeInteger(at) || at < 0) return undefined;
  if (typeof id !== 'string' || !ID.test(id)) return undefined;
  return { at, id };
}

/** A `cursor` query parameter: a malformed or forged one is a 400, never a query. */
export const keysetCursorParam = z
  .string()
  .max(200)
  .transform((cursor, ctx) => {
    const position = decodeKeysetCursor(cursor);
    if (!position) {
      ctx.addIssue({ code: 'custom', message: 'not a cursor this API returned' });
      return z.NEVER;
    }
    return position;
  });

/** A `limit` query parameter: digits only (no `1e2`, no sign, no blank), 1 to `max`; absent is the route's default. */
export const pageLimitParam = (max: number) =>
  z
    .string()
    .regex(/^[0-9]{1,6}$/, `an integer from 1 to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(1).max(max))
    .optional();
