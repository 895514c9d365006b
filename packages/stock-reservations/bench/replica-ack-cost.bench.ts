/**
 * What waiting for a replica costs a reservation (docs/adr/0009-redis-failover.md). One process,
 * one Redis Cluster of three masters with a replica each (started here), one sale; rounds with and
 * without `replicaAck` alternate so both see the same machine load. Each round sends `PER_ROUND`
 * reservations, `CONCURRENCY` at a time, and prints reservations per second and latency
 * percentiles; the summary is the median of the rounds.
 *
 *   node bench/replica-ack-cost.bench.ts [rounds=6] [perRound=4000] [concurrency=64]
 */
import { performance } from 'node:perf_hooks';
import { startRedisCluster } from '@flash-sale/testkit';
import { Cluster } from 'ioredis';
import { StockReservations } from '../src/index.ts';

const ROUNDS = Number(process.argv[2] ?? 6);
const PER_ROUND = Number(process.argv[3] ?? 4000);
const CONCURRENCY = Number(process.argv[4] ?? 64);
const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);

// testkit's free-port probe throws instead of trying another port when a random one is taken.
const servers = await (async () => {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startRedisCluster({ replicasPerMaster: 1 });
    } catch (error) {
      if (attempt >= 5 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    }
  }
})();
const redis = new Cluster(
  servers.nodes.map((node) => ({ host: node.slice(0, node.lastIndexOf(':')), port: Number(node.slice(node.lastIndexOf(':') + 1)) })),
  { enableAutoPipelining: true, scaleReads: 'master' },
);
const variants = {
  'no wait': new StockReservations(redis),
  'WAIT 1 100': new StockReservations(redis, { replicaAck: { replicas: 1, timeoutMs: 100 } }),
};
const sale = {
  saleId: 'bench-replica-ack',
  tenantId: 't1',
  skuId: 'sku-1',
  stock: (ROUNDS + 2) * PER_ROUND * 2,
  unitPriceMinor: 100,
  currency: 'EUR',
  startsAtMs: T0,
  endsAtMs: T0 + 3_600_000,
  perUserLimit: 1,
  holdTtlMs: 600_000,
};
await variants['no wait'].arm(sale);

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

let next = 0;
async function round(reservations: StockReservations) {
  const latencies: number[] = [];
  let sent = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (sent < PER_ROUND) {
        sent += 1;
        const id = `o-${(next += 1)}`;
        const t0 = performance.now();
        const result = await reservations.reserve({ saleId: sale.saleId, tenantId: 't1', orderId: id, userId: id, quantity: 1, nowMs: T0 });
        latencies.push(performance.now() - t0);
        if (!result.ok) throw new Error(`reservation refused: ${result.code}`);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { perSecond: PER_ROUND / seconds, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
}

const results: Record<string, { perSecond: number; p50: number; p99: number }[]> = { 'no wait': [], 'WAIT 1 100': [] };
try {
  // One warm-up round each loads the scripts and the connections.
  for (const reservations of Object.values(variants)) await round(reservations);
  for (let i = 0; i < ROUNDS; i += 1) {
    const order = i % 2 === 0 ? (['no wait', 'WAIT 1 100'] as const) : (['WAIT 1 100', 'no wait'] as const);
    for (const name of order) {
      const r = await round(variants[name]);
      results[name]?.push(r);
      console.log(`round ${i + 1} ${name}: ${r.perSecond.toFixed(0)}/s p50 ${r.p50.toFixed(2)} ms p99 ${r.p99.toFixed(2)} ms`);
    }
  }
  console.log(`median of ${ROUNDS} rounds, ${PER_ROUND} reservations each, ${CONCURRENCY} in flight:`);
  for (const [name, rounds] of Object.entries(results)) {
    console.log(
      `  ${name}: ${median(rounds.map((r) => r.perSecond)).toFixed(0)}/s, p50 ${median(rounds.map((r) => r.p50)).toFixed(2)} ms, p99 ${median(rounds.map((r) => r.p99)).toFixed(2)} ms`,
    );
  }
} finally {
  redis.disconnect();
  await servers.stop();
}
