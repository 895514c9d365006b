import { createTestRedis, startRedisCluster, uniqueName, waitFor } from '@flash-sale/testkit';
import { Cluster, Redis } from 'ioredis';
import t from 'tap';
import { StockReservations, saleKeys } from '../src/index.ts';
import { T0, saleFixture } from './fixtures/sale.fixture.ts';

const hostPort = (node: string) => ({ host: node.slice(0, node.lastIndexOf(':')), port: Number(node.slice(node.lastIndexOf(':') + 1)) });

/** The master serving a key's slot, as the cluster itself reports it (`host:port`). */
async function masterOf(redis: Cluster, key: string): Promise<string> {
  const slot = Number(await redis.cluster('KEYSLOT', key));
  const ranges = await redis.cluster('SLOTS');
  const master = ranges.find(([from, to]) => slot >= from && slot <= to)?.[2];
  if (!master) throw new Error(`no master serves slot ${slot}`);
  return `${master[0]}:${master[1]}`;
}

/** The replica of a master (`host:port`), from CLUSTER NODES. */
async function replicaOf(master: string): Promise<string> {
  const client = new Redis(hostPort(master));
  try {
    const id = String(await client.cluster('MYID'));
    const lines = String(await client.cluster('NODES')).split('\n');
    const line = lines.find((l) => l.split(' ')[3] === id && l.split(' ')[2]?.includes('slave'));
    const address = line?.split(' ')[1]?.split('@')[0];
    if (!address) throw new Error(`no replica of ${master}`);
    return address;
  } finally {
    client.disconnect();
  }
}

/** Until the replica has finished its first sync with its master: before that a WAIT has no one to answer it. */
async function replicationUp(replica: string): Promise<void> {
  const client = new Redis(hostPort(replica));
  try {
    await waitFor(async () => /master_link_status:up/.test(String(await client.info('replication'))), {
      what: `${replica} in sync with its master`,
      timeoutMs: 20_000,
      intervalMs: 50,
    });
  } finally {
    client.disconnect();
  }
}

t.test(
  'a master fails over after losing writes it never replicated: a reservation answered without the replica’s acknowledgement is gone from the new master, while one that waits for it is refused and released instead, and every acknowledged hold survives',
  async (t) => {
    const servers = await startRedisCluster({ replicasPerMaster: 1, nodeTimeoutMs: 1000 });
    t.teardown(() => servers.stop());
    const redis = new Cluster(servers.nodes.map(hostPort), {
      enableAutoPipelining: true,
      scaleReads: 'master',
      redisOptions: { maxRetriesPerRequest: 1 },
    });
    t.teardown(() => redis.disconnect());
    await waitFor(() => redis.status === 'ready', { what: 'the cluster client ready', timeoutMs: 10_000, intervalMs: 20 });
    const prefix = `${uniqueName('t')}:`;
    const waiting = new StockReservations(redis, { keyPrefix: prefix, replicaAck: { replicas: 1, timeoutMs: 200 } });
    const notWaiting = new StockReservations(redis, { keyPrefix: prefix });

    // Two sales on the same master: one served with the acknowledgement, one without.
    const acked = saleFixture({ stock: 10, perUserLimit: 5 });
    const master = await masterOf(redis, saleKeys(prefix, acked.saleId).meta);
    let unacked = saleFixture({ stock: 10, perUserLimit: 5 });
    while ((await masterOf(redis, saleKeys(prefix, unacked.saleId).meta)) !== master) unacked = saleFixture({ stock: 10, perUserLimit: 5 });
    const replica = await replicaOf(master);
    await replicationUp(replica);
    await waiting.arm(acked);
    await notWaiting.arm(unacked);
    const reserve = (r: StockReservations, saleId: string, orderId: string) =>
      r.reserve({ saleId, tenantId: 't1', orderId, userId: `u-${orderId}`, quantity: 1, nowMs: T0 });

    // Replicated: both sales hold one order each on master and replica.
    t.match(await reserve(waiting, acked.saleId, 'a-1'), { ok: true, remaining: 9 });
    t.match(await reserve(notWaiting, unacked.saleId, 'u-1'), { ok: true, remaining: 9 });
    t.match(await reserve(waiting, unacked.saleId, 'u-2'), { ok: true, remaining: 8 }, 'waiting also passes the earlier writes of the connection');

    // The replica stops hearing the master: frozen, and its link cut, so it cannot reconnect either.
    const replicaPid = servers.pids[replica] ?? 0;
    process.kill(replicaPid, 'SIGSTOP');
    let frozen = true;
    t.teardown(() => {
      if (frozen) process.kill(replicaPid, 'SIGCONT');
    });
    const masterClient = new Redis(hostPort(master));
    await masterClient.client('KILL', 'TYPE', 'replica');
    masterClient.disconnect();

    t.match(await reserve(notWaiting, unacked.saleId, 'u-3'), { ok: true, remaining: 7 }, 'without waiting, the master answers a reservation only it has');
    const started = Date.now();
    await t.rejects(reserve(waiting, acked.saleId, 'a-2'), { code: 'REPLICA_ACK_TIMEOUT', details: { orderId: 'a-2', released: true } });
    t.ok(Date.now() - started < 2000, 'the refusal comes after the acknowledgement timeout, not a hang');
    t.same(await waiting.view(acked.saleId), { armedStock: 10, available: 9, held: 1, sold: 0 }, 'the unacknowledged hold was given back at once');

    // The master dies; the replica wakes up and takes its slots over with what it had.
    process.kill(servers.pids[master] ?? 0, 'SIGKILL');
    process.kill(replicaPid, 'SIGCONT');
    frozen = false;
    await waitFor(async () => (await masterOf(redis, saleKeys(prefix, acked.saleId).meta).catch(() => '')) === replica, {
      what: 'the replica promoted',
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    await waitFor(async () => (await waiting.view(acked.saleId).catch(() => null)) !== null, {
      what: 'the sale served again',
      timeoutMs: 30_000,
      intervalMs: 100,
    });

    const ackedRecords = await waiting.findOrderRecords([
      { saleId: acked.saleId, orderId: 'a-1' },
      { saleId: acked.saleId, orderId: 'a-2' },
    ]);
    t.match(ackedRecords, [{ orderId: 'a-1', state: 'H' }, null], 'the acknowledged hold is on the new master; the refused one was never answered');
    t.same(await waiting.view(acked.saleId), { armedStock: 10, available: 9, held: 1, sold: 0 });

    // The hazard the acknowledgement removes: u-3 was answered, and the new master has forgotten it,
    // so its unit would be sold again while the order is in MySQL.
    const unackedRecords = await notWaiting.findOrderRecords([
      { saleId: unacked.saleId, orderId: 'u-1' },
      { saleId: unacked.saleId, orderId: 'u-2' },
      { saleId: unacked.saleId, orderId: 'u-3' },
    ]);
    t.match(unackedRecords, [{ state: 'H' }, { state: 'H' }, null], 'the unacknowledged reservation u-3 is lost in the failover');
    t.same(await notWaiting.view(unacked.saleId), { armedStock: 10, available: 8, held: 2, sold: 0 });

    // The promoted master has no replica of its own yet: it takes no hold it could lose again.
    await t.rejects(reserve(waiting, acked.saleId, 'a-3'), { code: 'REPLICA_ACK_TIMEOUT', details: { released: true } });
    t.same(await waiting.view(acked.saleId), { armedStock: 10, available: 9, held: 1, sold: 0 }, 'the shard without a replica refuses and keeps nothing');
  },
);

const waitCalls = async (redis: Redis): Promise<number> => Number(/cmdstat_wait:calls=(\d+)/.exec(String(await redis.info('commandstats')))?.[1] ?? 0);

t.test(
  'on one server without replicas the acknowledgement is left off: reserve sends no WAIT, and one asked for anyway refuses and gives the hold back',
  // The cluster topology has a replica behind every master; its WAIT is the cluster test's above.
  { skip: process.env.REDIS_CLUSTER_NODES ? 'the cluster topology has no Redis without replicas' : false },
  async (t) => {
    const { redis: client, prefix } = await createTestRedis(t.teardown.bind(t));
    const redis = client as Redis; // one server: the skip above
    const reservations = new StockReservations(redis, { keyPrefix: prefix });
    const sale = saleFixture({ stock: 3 });
    await reservations.arm(sale);
    const before = await waitCalls(redis);
    for (const orderId of ['o-1', 'o-2']) {
      t.match(await reservations.reserve({ saleId: sale.saleId, tenantId: 't1', orderId, userId: orderId, quantity: 1, nowMs: T0 }), { ok: true });
    }
    t.equal(await waitCalls(redis), before, 'no WAIT without replicaAck');

    // Asked to wait for a replica this server does not have, the reservation cannot be acknowledged.
    const strict = new StockReservations(redis, { keyPrefix: prefix, replicaAck: { replicas: 1, timeoutMs: 20 } });
    await t.rejects(strict.reserve({ saleId: sale.saleId, tenantId: 't1', orderId: 'o-3', userId: 'o-3', quantity: 1, nowMs: T0 }), {
      code: 'REPLICA_ACK_TIMEOUT',
    });
    t.match(await reservations.view(sale.saleId), { available: 1, held: 2 }, 'the refused hold was given back');
  },
);
