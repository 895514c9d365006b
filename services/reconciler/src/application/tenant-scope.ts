/**
 * Jobs check and repair every tenant at once, so their evidence (sample ids) mixes tenants. An ops
 * user of one tenant sees only the sample ids that provably belong to that tenant: an order, a
 * sale or an outbox event of the tenant, or a `tenant/sku` pair. Anything else (another tenant's
 * id, a topic name, an id no table knows) is withheld, so a new kind of sample id is hidden until
 * it is taught here, never shown by default. `platform-ops` sees everything.
 */
import { actsAcrossTenants, type Principal } from '@flash-sale/service-kit';
import type { RowDataPacket } from 'mysql2/promise';
import type { RunRecord } from '../infra/run.repository.ts';
import { selectIn, type ServiceDatabases } from '../infra/service-databases.ts';

export interface TenantScopeDeps {
  databases: ServiceDatabases;
  outboxes: readonly ('order' | 'payment' | 'inventory')[];
}

export type ScopedRun = RunRecord & {
  /** Whose sample ids these are: one tenant's, or every tenant's (platform-ops). */
  sampleScope: { tenant: string | null; withheld: number };
};

/** Of `ids`, those that belong to `tenantId`. */
export async function idsOfTenant(deps: TenantScopeDeps, tenantId: string, ids: readonly string[]): Promise<Set<string>> {
  const unique = [...new Set(ids)];
  const owned = new Set(unique.filter((id) => id.startsWith(`${tenantId}/`)));
  if (unique.length === 0) return owned;
  // Each in its service's database; up to 500 runs of 20 sample ids each go in pages.
  const lookups = [
    { pool: deps.databases.order, sql: 'SELECT id FROM orders WHERE tenant_id = ? AND id IN (?)' },
    { pool: deps.databases.inventory, sql: 'SELECT id FROM flash_sales WHERE tenant_id = ? AND id IN (?)' },
    ...deps.outboxes.map((service) => ({ pool: deps.databases[service], sql: 'SELECT event_id AS id FROM outbox WHERE tenant_id = ? AND event_id IN (?)' })),
  ];
  const results = await Promise.all(lookups.map(({ pool, sql }) => selectIn<RowDataPacket & { id: string }>(pool, sql, unique, [tenantId])));
  for (const rows of results) for (const row of rows) owned.add(String(row.id));
  return owned;
}

/** The runs as `principal` may see them: its tenant's sample ids only, unless it acts across tenants. */
export async function scopeRuns(deps: TenantScopeDeps, principal: Principal, runs: readonly RunRecord[]): Promise<ScopedRun[]> {
  if (actsAcrossTenants(principal)) return runs.map((run) => ({ ...run, sampleScope: { tenant: null, withheld: 0 } }));
  const owned = await idsOfTenant(
    deps,
    principal.tenantId,
    runs.flatMap((run) => run.sampleIds),
  );
  return runs.map((run) => {
    const visible = run.sampleIds.filter((id) => owned.has(id));
    return {
      ...run,
      sampleIds: visible,
      // A crash message may quote any tenant's values (a failed statement): only platform-ops read it.
      error: run.error === null ? null : 'the run crashed; its message is shown to platform-ops',
      sampleScope: { tenant: principal.tenantId, withheld: run.sampleIds.length - visible.length },
    };
  });
}
