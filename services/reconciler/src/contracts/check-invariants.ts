/** Runs a contract's invariants (Q) against the live schemas: violations per invariant. */
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { Schemas } from '../infra/schemas.ts';
import { bindSchemas, type RecoveryContract } from './recovery-contract.ts';

export async function checkInvariants(pool: Pool, schemas: Schemas, contract: RecoveryContract): Promise<Record<string, number>> {
  const results: Record<string, number> = {};
  for (const invariant of contract.invariants) {
    const [rows] = await pool.query<RowDataPacket[]>(bindSchemas(invariant.sql, schemas));
    results[invariant.name] = Number(rows[0]?.violations ?? Number.NaN);
  }
  return results;
}

/** All violations of a check; an invariant that returned no count is one violation (it proved nothing). */
export const totalViolations = (results: Record<string, number>): number => Object.values(results).reduce((sum, count) => sum + (Number.isNaN(count) ? 1 : count), 0);
