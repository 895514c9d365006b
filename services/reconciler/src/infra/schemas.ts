/**
 * The reconciler reads (and repairs) the other services' schemas on the same server. Their names
 * come from config, so tests point at uuid-named databases; every SQL statement names its table
 * through `Tables`, never an unqualified name.
 */
export interface Schemas {
  order: string;
  payment: string;
  inventory: string;
}

const SAFE = /^[A-Za-z0-9_]+$/;

export interface Tables {
  schemas: Schemas;
  order: (table: string) => string;
  payment: (table: string) => string;
  inventory: (table: string) => string;
}

export function tables(schemas: Schemas): Tables {
  for (const [role, name] of Object.entries(schemas) as [string, string][]) {
    if (!SAFE.test(name)) throw new Error(`schema name for ${role} must match ${SAFE.source}: ${JSON.stringify(name)}`);
  }
  const qualify = (schema: string) => (table: string) => `\`${schema}\`.\`${table}\``;
  return { schemas, order: qualify(schemas.order), payment: qualify(schemas.payment), inventory: qualify(schemas.inventory) };
}
