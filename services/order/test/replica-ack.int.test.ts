// With REDIS_REPLICA_ACK_TIMEOUT_MS set, a reservation no replica acknowledged is not answered 201
// (docs/adr/0009-redis-failover.md). Asking for more replicas than the master has (none on the
// single topology, one on the cluster's) is never acknowledged, which makes the refusal
// reproducible on either; the failover itself is tested in packages/stock-reservations.
import { randomUUID } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import t from 'tap';
import { orderHarness, placeOrderRequest } from './support/order-harness.ts';

t.test(
  'a reservation no Redis replica acknowledged in time: 503, the hold given back, no order written, and the same Idempotency-Key succeeds once replicas answer',
  async (t) => {
    const h = await orderHarness(t, { replicaAck: { replicas: 2, timeoutMs: 20 } });
    const saleId = await h.armSale({ stock: 5 });
    const token = h.token({ userId: 'buyer-1' });
    const key = randomUUID();

    const refused = await h.app.inject(placeOrderRequest(token, key, { sale_id: saleId, quantity: 2 }));
    t.equal(refused.statusCode, 503);
    t.match(refused.json(), { error: { code: 'SERVICE_UNAVAILABLE' } });
    t.same(await h.reservations.view(saleId), { armedStock: 5, available: 5, held: 0, sold: 0 }, 'the hold was given back');
    const [orders] = await h.db.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM orders');
    t.equal(Number(orders[0]?.n), 0, 'no order written');

    // The same process with the wait off stands for replicas answering again: the key was freed.
    const app = await h.rebuild({ replicaAck: undefined });
    const accepted = await app.inject(placeOrderRequest(token, key, { sale_id: saleId, quantity: 2 }));
    t.equal(accepted.statusCode, 201);
    t.same(await h.reservations.view(saleId), { armedStock: 5, available: 3, held: 2, sold: 0 });
  },
);
