/**
 * Rebuilds a flow's projection from its authoritative history, compares it with the live state,
 * applies the repair only with --apply, and prints the evidence record (also stored in
 * replay_runs). Exit code 1 when the result is not `trusted`, 2 on a usage error.
 *
 *   npm run replay -- inventory-stock [--tenant t1] [--sku sku-1] [--apply]
 *   npm run replay -- order-lifecycle --from-offset 0 | --from-time 2025-01-01T00:00:00Z [--apply]
 *                     [--topic <event type>=<topic> ...]
 *
 * KAFKA_TOPIC_PREFIX, when set, goes in front of the catalog topics the order-lifecycle replay
 * reads; a --topic override names the topic as it is on the broker.
 */
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '@flash-sale/config';
import { compose } from './composition.ts';
import { reconcilerConfigSchema } from './config.ts';
import { replayInventoryStock } from './application/replay/inventory-stock.replay.ts';
import { replayOrderLifecycle } from './application/replay/order-lifecycle.replay.ts';
import type { ReplayStart } from './infra/topic-scope.ts';

const USAGE = `usage: replay inventory-stock [--tenant <id>] [--sku <id>] [--apply]
       replay order-lifecycle (--from-offset <n> | --from-time <ISO-8601>) [--apply] [--topic <event type>=<topic> ...]
`;

function usage(problem?: string): never {
  process.stderr.write(`${problem ? `${problem}\n` : ''}${USAGE}`);
  process.exit(2);
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    tenant: { type: 'string' },
    sku: { type: 'string' },
    apply: { type: 'boolean', default: false },
    'from-offset': { type: 'string' },
    'from-time': { type: 'string' },
    topic: { type: 'string', multiple: true },
  },
});
const flow = positionals[0];
if (flow !== 'inventory-stock' && flow !== 'order-lifecycle') usage();

function replayStart(): ReplayStart {
  const offset = values['from-offset'];
  const time = values['from-time'];
  if ((offset === undefined) === (time === undefined)) usage('order-lifecycle needs exactly one of --from-offset and --from-time');
  if (offset !== undefined) {
    if (!/^\d+$/.test(offset)) usage(`--from-offset must be a non-negative integer: ${offset}`);
    return { offset: Number(offset) };
  }
  const at = new Date(time ?? '');
  if (Number.isNaN(at.getTime())) usage(`--from-time must be an ISO-8601 time: ${time}`);
  return { time: at };
}

function topicOverrides(): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const pair of values.topic ?? []) {
    const [type, topic] = pair.split('=');
    if (!type || !topic) usage(`--topic must be <event type>=<topic>: ${pair}`);
    overrides[type] = topic;
  }
  return overrides;
}

// Arguments are checked before any connection is made.
const start = flow === 'order-lifecycle' ? replayStart() : undefined;
const topics = topicOverrides();
const config = loadConfigOrExit(reconcilerConfigSchema);
const { deps, lifecycle } = compose(config, 'reconciler-replay');
let trusted = false;
try {
  const output = start
    ? await replayOrderLifecycle(deps, { from: start, apply: values.apply, topics, topicPrefix: deps.topicPrefix }).then((result) => ({
        replay_run_id: result.runId,
        applied: result.applied,
        ...result.evidence,
        invariants: result.invariants,
        scope: result.scope,
        changes: result.changes,
      }))
    : await replayInventoryStock(
        deps,
        { ...(values.tenant ? { tenantId: values.tenant } : {}), ...(values.sku ? { skuId: values.sku } : {}) },
        { apply: values.apply },
      ).then((result) => ({
        replay_run_id: result.runId,
        applied: result.applied,
        ...result.evidence,
        invariants: result.invariants,
        changes: result.changes,
      }));
  process.stdout.write(`${JSON.stringify(output)}\n`);
  trusted = output.confidence_status === 'trusted';
} finally {
  await lifecycle.closeAll();
}
process.exit(trusted ? 0 : 1);
