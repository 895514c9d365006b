/**
 * `pnpm schema:gate` (run by scripts/test.sh in CI): fails when today's event schemas break the
 * committed snapshots, or a payload field has no classification (docs/eventing.md,
 * "Classification"). Compatible but unsnapshotted changes only warn.
 */
import { registry } from '../catalog.ts';
import { gate } from '../schema/compatibility.ts';
import { readSnapshots, snapshotsDir } from '../schema/snapshot-files.ts';
import { snapshotsOf } from '../schema/snapshot.ts';

const { violations, stale } = gate(await readSnapshots(), snapshotsOf(registry));
for (const type of stale) process.stderr.write(`! ${type}: compatible change not yet snapshotted (pnpm schema:snapshot)\n`);
for (const violation of violations) process.stderr.write(`✗ ${violation.type} [${violation.rule}] ${violation.message}\n`);
if (violations.length > 0) {
  process.stderr.write(`schema gate failed: ${violations.length} incompatible change(s) against ${snapshotsDir}\n`);
  process.exit(1);
}
process.stdout.write(`schema gate passed (${registry.all().length} event types)\n`);
