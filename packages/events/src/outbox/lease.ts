/**
 * Leadership lease for the outbox relay: a MySQL named lock (`GET_LOCK`) held by one dedicated
 * connection. Only the holder publishes, so one aggregate's rows leave in id (= commit) order even
 * with several relay replicas. The server frees the lock the moment that connection dies, so a
 * crashed or partitioned relay hands over without a timeout to tune; and because the holder runs
 * every relay statement on that same connection, a relay that lost its lock can no longer mark rows.
 *
 * Lock names are server-wide, so the name includes the schema: services with their own schemas
 * on one server each get their own relay leader.
 */
import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';

export class RelayLease {
  readonly #pool: Pool;
  #connection: PoolConnection | undefined;
  #name: string | undefined;

  constructor(pool: Pool) {
    this.#pool = pool;
  }

  /** The lease connection when held, after trying to take it without waiting. */
  async acquire(): Promise<PoolConnection | undefined> {
    if (this.#connection) return this.#connection;
    const connection = await this.#pool.getConnection();
    try {
      const [dbRows] = await connection.query<RowDataPacket[]>('SELECT DATABASE() AS db');
      const name = `outbox-relay:${String(dbRows[0]?.db ?? '')}`.slice(0, 64);
      const [rows] = await connection.query<RowDataPacket[]>('SELECT GET_LOCK(?, 0) AS got', [name]);
      if (Number(rows[0]?.got) !== 1) {
        connection.release();
        return undefined;
      }
      this.#connection = connection;
      this.#name = name;
      return connection;
    } catch (error) {
      connection.destroy();
      throw error;
    }
  }

  get held(): boolean {
    return this.#connection !== undefined;
  }

  /** After an error on the lease connection: drop it (the server frees the lock with it). */
  lose(): void {
    this.#connection?.destroy();
    this.#connection = undefined;
  }

  async release(): Promise<void> {
    const connection = this.#connection;
    this.#connection = undefined;
    if (!connection) return;
    try {
      await connection.query('DO RELEASE_LOCK(?)', [this.#name]);
      connection.release();
    } catch {
      connection.destroy();
    }
  }
}
