/** Runs a contract's invariants (Q) against the live service databases: violations per invariant. */
import type { RowDataPacket } from 'mysql2/promise';
import { SCAN_PAGE, selectIn, type ServiceDatabases } from '../infra/service-databases.ts';
import type { CrossDatabaseInvariant, RecoveryContract } from '../domain/recovery-contracts/recovery-contract.ts';

export async function checkInvariants(databases: ServiceDatabases, contract: RecoveryContract): Promise<Record<string, number>> {
  const results: Record<string, number> = {};
  for (const invariant of contract.invariants) {
    if ('sql' in invariant) {
      const [rows] = await databases[invariant.database].query<RowDataPacket[]>(invariant.sql);
      results[invariant.name] = Number(rows[0]?.violations ?? Number.NaN);
    } else {
      results[invariant.name] = await countAcross(databases, invariant);
    }
  }
  return results;
}

/** One page of the scan in memory at a time, and that page's refs looked up in the other database. */
async function countAcross(databases: ServiceDatabases, invariant: CrossDatabaseInvariant): Promise<number> {
  let violations = 0;
  let after = '';
  for (;;) {
    const [page] = await databases[invariant.scan.database].query<RowDataPacket[]>(invariant.scan.sql, [after, SCAN_PAGE]);
    const refs = page.map((row) => String(row.ref));
    const found = new Set((await selectIn<RowDataPacket>(databases[invariant.lookup.database], invariant.lookup.sql, refs)).map((row) => String(row.ref)));
    for (const ref of refs) if (found.has(ref) === (invariant.violation === 'ref_found')) violations += 1;
    const last = page.at(-1);
    if (!last || page.length < SCAN_PAGE) return violations;
    after = String(last.id);
  }
}

/** All violations of a check; an invariant that returned no count is one violation (it proved nothing). */
export const totalViolations = (results: Record<string, number>): number =>
  Object.values(results).reduce((sum, count) => sum + (Number.isNaN(count) ? 1 : count), 0);
