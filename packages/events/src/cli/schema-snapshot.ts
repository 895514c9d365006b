/**
 * `pnpm schema:snapshot`: writes the registry's JSON Schema snapshots to packages/events/schemas.
 * It refuses to overwrite a snapshot with a backward-incompatible change (which would silence the
 * gate): ship a new `.vN` type instead, or pass --accept-breaking when a reviewer agreed.
 */
import { parseArgs } from 'node:util';
import { registry } from '../catalog.ts';
import { gate } from '../schema/compatibility.ts';
import { readSnapshots, writeSnapshots } from '../schema/snapshot-files.ts';
import { snapshotsOf } from '../schema/snapshot.ts';

const { values } = parseArgs({ options: { 'accept-breaking': { type: 'boolean', default: false } } });
const current = snapshotsOf(registry);
const { violations } = gate(await readSnapshots(), current);
const breaking = violations.filter((violation) => violation.rule !== 'missing-snapshot' && violation.rule !== 'removed-type');
if (breaking.length > 0 && !values['accept-breaking']) {
  for (const violation of breaking) process.stderr.write(`✗ ${violation.type} [${violation.rule}] ${violation.message}\n`);
  process.stderr.write('refusing to overwrite snapshots with incompatible changes; add a new .vN type instead (or --accept-breaking)\n');
  process.exit(1);
}
const written = await writeSnapshots(current);
process.stdout.write(`wrote ${written.length} schema snapshots\n`);
