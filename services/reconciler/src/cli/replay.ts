/**
 * `npm run replay -- inventory-stock [--tenant t1] [--sku sku-1] [--apply]`: rebuilds the flow's
 * projection from its authoritative history, compares it with the live state, applies the repair
 * only with --apply, and prints the evidence record (also stored in replay_runs). Exit code 1 when
 * the result is not `trusted`.
 */
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '@flash-sale/config';
import { compose } from '../composition.ts';
import { reconcilerConfigSchema } from '../config.ts';
import { replayInventoryStock } from '../replay/inventory-stock.replay.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { tenant: { type: 'string' }, sku: { type: 'string' }, apply: { type: 'boolean', default: false } } });
if (positionals[0] !== 'inventory-stock') {
  process.stderr.write('usage: replay inventory-stock [--tenant <id>] [--sku <id>] [--apply]\n');
  process.exit(2);
}
const config = loadConfigOrExit(reconcilerConfigSchema);
const { deps, lifecycle } = compose(config, 'reconciler-replay');
let trusted = false;
try {
  const result = await replayInventoryStock(deps, { ...(values.tenant ? { tenantId: values.tenant } : {}), ...(values.sku ? { skuId: values.sku } : {}) }, { apply: values.apply });
  process.stdout.write(`${JSON.stringify({ replay_run_id: result.runId, applied: result.applied, ...result.evidence, invariants: result.invariants, changes: result.changes })}\n`);
  trusted = result.evidence.confidence_status === 'trusted';
} finally {
  await lifecycle.closeAll();
}
process.exit(trusted ? 0 : 1);
