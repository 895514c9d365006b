/**
 * The reconciler's connection to each service's database (ADR 0010). Each pool's default schema is
 * that service's, so every statement names its tables unqualified: a statement that reaches into
 * another service's tables fails on the connection it was sent to ("doesn't exist" on a shared
 * server, no such schema on a server of its own). Data of two services is combined in the process,
 * a bounded page at a time, never by a join.
 */
import type { Pool, RowDataPacket } from 'mysql2/promise';

export type Service = 'order' | 'payment' | 'inventory';

export type ServiceDatabases = Readonly<Record<Service, Pool>>;

/** Ids per `IN (?)` lookup: small enough for a short statement and an index range scan each. */
export const LOOKUP_PAGE = 500;

/** Rows per keyset page of a scan that drives a lookup in another service's database. */
export const SCAN_PAGE = 500;

/**
 * `sql` with one `IN (?)` run over `ids` a page at a time; `params` go before the id list. The rows
 * of all pages together: callers pass a bounded list (one page of their own scan).
 */
export async function selectIn<R extends RowDataPacket>(pool: Pool, sql: string, ids: readonly string[], params: readonly unknown[] = []): Promise<R[]> {
  const unique = [...new Set(ids)];
  const rows: R[] = [];
  for (let start = 0; start < unique.length; start += LOOKUP_PAGE) {
    const [page] = await pool.query<R[]>(sql, [...params, unique.slice(start, start + LOOKUP_PAGE)]);
    rows.push(...page);
  }
  return rows;
}

/** `selectIn` keyed by a column (the last row wins when several share a key). */
export async function selectInBy<R extends RowDataPacket>(
  pool: Pool,
  key: keyof R & string,
  sql: string,
  ids: readonly string[],
  params: readonly unknown[] = [],
): Promise<Map<string, R>> {
  return new Map((await selectIn<R>(pool, sql, ids, params)).map((row) => [String(row[key]), row]));
}
