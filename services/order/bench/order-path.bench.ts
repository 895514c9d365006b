// `npm run bench`: accepted orders/s and sold-out refusals/s of the order service, next to a bare
// fastify hello-world and a bare one-order-per-transaction MariaDB loop measured in the same run.
// Warm-up, then interleaved rounds; the figures to compare are the medians of per-round ratios.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import mysql from 'mysql2/promise';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 100);

const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
const child = spawn(process.execPath, [...nodeArgs, new URL('./bench-servers.ts', import.meta.url).pathname], { stdio: ['ignore', 'pipe', 'inherit'] });
const firstLine = await new Promise<string>((resolve, reject) => {
  createInterface({ input: child.stdout }).once('line', resolve);
  child.once('exit', (code) => reject(new Error(`bench servers exited with ${code}`)));
});
const setup = JSON.parse(firstLine) as { helloPort: number; orderPort: number; mysqlUrl: string; tokens: string[] };

async function load(port: number, duration: number, request?: { saleId: string }): Promise<{ rps: number; statuses: Record<string, number> }> {
  let i = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    duration,
    requests: request
      ? [
          {
            method: 'POST',
            path: '/v1/orders',
            setupRequest: (req) => {
              i += 1;
              return {
                ...req,
                headers: {
                  'content-type': 'application/json',
                  authorization: `Bearer ${setup.tokens[i % setup.tokens.length]}`,
                  'idempotency-key': randomUUID(),
                },
                body: JSON.stringify({ sale_id: request.saleId, quantity: 1 }),
              };
            },
          },
        ]
      : [{ method: 'GET', path: '/' }],
  });
  const statuses: Record<string, number> = {};
  for (const [code, count] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = (count as { count: number }).count;
  return { rps: result.requests.mean, statuses };
}

/** The bare durable-write baseline: one order and one outbox row per transaction, 4 round trips. */
async function mariadbLoop(seconds: number): Promise<number> {
  const pool = mysql.createPool({ uri: setup.mysqlUrl, connectionLimit: 16 });
  const deadline = Date.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (Date.now() < deadline) {
        const conn = await pool.getConnection();
        const id = randomUUID();
        await conn.beginTransaction();
        await conn.query(
          "INSERT INTO orders (id, tenant_id, user_id, sale_id, sku_id, quantity, unit_price_minor, total_minor, currency, status, expires_at, created_at, updated_at) VALUES (?, 't1', 'u', 'loop', 'k', 1, 1000, 1000, 'EUR', 'PENDING', NOW(6), NOW(6), NOW(6))",
          [id],
        );
        await conn.query("INSERT INTO outbox (event_id, event_type, topic, partition_key, tenant_id, envelope) VALUES (?, 'order.created.v1', 'order.order.created.v1', ?, 't1', '{}')", [randomUUID(), id]);
        await conn.commit();
        conn.release();
        done += 1;
      }
    }),
  );
  await pool.end();
  return done / seconds;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const rounds: Array<{ hello: number; accepted: number; soldOut: number; mariadb: number }> = [];

console.log(`warm-up, then ${ROUNDS} rounds of ${SECONDS}s each (${CONNECTIONS} connections)`);
await load(setup.helloPort, 2);
await load(setup.orderPort, 2, { saleId: '00000000-0000-4000-8000-0000000000b1' });
await load(setup.orderPort, 2, { saleId: '00000000-0000-4000-8000-0000000000b0' });
for (let round = 1; round <= ROUNDS; round += 1) {
  const hello = await load(setup.helloPort, SECONDS);
  const accepted = await load(setup.orderPort, SECONDS, { saleId: '00000000-0000-4000-8000-0000000000b1' });
  const soldOut = await load(setup.orderPort, SECONDS, { saleId: '00000000-0000-4000-8000-0000000000b0' });
  const mariadb = await mariadbLoop(SECONDS);
  const row = { hello: hello.rps, accepted: accepted.rps, soldOut: soldOut.rps, mariadb };
  rounds.push(row);
  console.log(`round ${round}: hello ${row.hello.toFixed(0)}/s, accepted orders ${row.accepted.toFixed(0)}/s ${JSON.stringify(accepted.statuses)}, sold-out refusals ${row.soldOut.toFixed(0)}/s ${JSON.stringify(soldOut.statuses)}, bare MariaDB loop ${row.mariadb.toFixed(0)} orders/s`);
}
const summary = {
  accepted_orders_per_s: Math.round(median(rounds.map((r) => r.accepted))),
  sold_out_refusals_per_s: Math.round(median(rounds.map((r) => r.soldOut))),
  hello_world_per_s: Math.round(median(rounds.map((r) => r.hello))),
  mariadb_one_order_per_tx_per_s: Math.round(median(rounds.map((r) => r.mariadb))),
  accepted_vs_hello: Number(median(rounds.map((r) => r.accepted / r.hello)).toFixed(3)),
  sold_out_vs_hello: Number(median(rounds.map((r) => r.soldOut / r.hello)).toFixed(3)),
  accepted_vs_mariadb_loop: Number(median(rounds.map((r) => r.accepted / r.mariadb)).toFixed(3)),
};
console.log(JSON.stringify(summary));
child.kill('SIGTERM');
