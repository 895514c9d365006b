import { createTestRedis, waitFor, watchRedisCalls } from '@flash-sale/testkit';
import t from 'tap';
import { SoldOutHint, StockReservations } from '../src/index.ts';
import { T0, saleFixture } from './fixtures/sale.fixture.ts';

t.test('the sold-out hint spares Redis once sold out and clears when stock comes back', async (t) => {
  const { redis, prefix } = await createTestRedis(t.teardown.bind(t));
  const subscriber = redis.duplicate();
  t.teardown(() => subscriber.disconnect());
  const hint = new SoldOutHint({ maxAgeMs: 60_000 });
  const reservations = new StockReservations(redis, { keyPrefix: prefix, soldOutHint: hint });
  const stop = await hint.listen(subscriber, reservations.stockReturnedChannel);
  t.teardown(stop);

  const sale = saleFixture({ stock: 1 });
  await reservations.arm(sale);
  const reserve = (orderId: string) => reservations.reserve({ saleId: sale.saleId, tenantId: 't1', orderId, userId: orderId, quantity: 1, nowMs: T0 });
  t.match(await reserve('a'), { ok: true, remaining: 0 });
  t.ok(hint.isSoldOut(sale.saleId), 'the last unit taken marks the sale sold out');

  const { calls, settled } = await watchRedisCalls(t.teardown.bind(t), redis);
  t.same(await reserve('b'), { ok: false, code: 'SALE_SOLD_OUT', remaining: 0 });
  await settled();
  t.notOk(
    calls.some((call) => call.includes(sale.saleId)),
    'the refusal made no Redis call',
  );

  // A release in another process publishes; this process hears it and asks Lua again.
  const otherProcess = new StockReservations(redis, { keyPrefix: prefix });
  await otherProcess.release({ saleId: sale.saleId, orderId: 'a', reason: 'cancelled' });
  await waitFor(() => !hint.isSoldOut(sale.saleId), { what: 'hint cleared by pub/sub' });
  t.match(await reserve('c'), { ok: true });
});

t.test('the hint forgets a sold-out mark after maxAgeMs, so a lost message cannot keep a sale shut', async (t) => {
  let now = 0;
  const hint = new SoldOutHint({ maxAgeMs: 500, now: () => now });
  hint.markSoldOut('s');
  now = 499;
  t.ok(hint.isSoldOut('s'));
  now = 500;
  t.notOk(hint.isSoldOut('s'));
  t.notOk(hint.isSoldOut('never-marked'));
});
