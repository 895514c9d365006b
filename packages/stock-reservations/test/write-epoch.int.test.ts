// The sale's write epoch: a rebuild that bumps the write fence in the books' database (fenceWrites)
// stores the new epoch in the meta before any reservation lands on the rebuilt sale, and every
// reservation reports the epoch it was taken under, so the order's MySQL write can be checked
// against the fence (docs/adr/0006-redis-loss-recovery.md).
import { createTestRedis } from '@flash-sale/testkit';
import t, { type Test } from 'tap';
import { StockReservations, type RebuildOrder } from '../src/index.ts';
import { T0, saleFixture } from './fixtures/sale.fixture.ts';

const setup = async (t: Test, overrides = {}) => {
  const { redis, prefix } = await createTestRedis(t.teardown.bind(t));
  const reservations = new StockReservations(redis, { keyPrefix: prefix, nowMs: () => T0 - 60_000 });
  const sale = { ...saleFixture(overrides), armedAtMs: T0 - 60_000 };
  return { redis, reservations, sale };
};

const order = (orderId: string, userId: string) => ({ tenantId: 't1', orderId, userId, quantity: 1, nowMs: T0 });

t.test('a sale never rebuilt reserves under epoch 0; after a rebuild that bumped the fence, reservations and their replays carry the new epoch', async (t) => {
  const { reservations, sale } = await setup(t, { stock: 10 });
  await reservations.arm(sale);
  const before = await reservations.reserve({ saleId: sale.saleId, ...order('o-1', 'u-1') });
  t.match(before, { ok: true });
  t.equal(before.ok && (before.writeEpoch ?? 0), 0, 'epoch 0 before any rebuild');

  const calls: string[] = [];
  const books: RebuildOrder[] = [{ orderId: 'o-1', userId: 'u-1', quantity: 1, state: 'held', holdExpiresAtMs: T0 + 600_000 }];
  async function* booksAfterTheBump(): AsyncGenerator<RebuildOrder> {
    calls.push('books read');
    yield* books;
  }
  await reservations.rebuild(sale, booksAfterTheBump(), {
    fenceWrites: async () => {
      calls.push('fence bumped');
      t.match(
        await reservations.reserve({ saleId: sale.saleId, ...order('o-during', 'u-2') }),
        { ok: false, code: 'SALE_NOT_FOUND' },
        'Redis refuses reservations when the fence is bumped',
      );
      return 3;
    },
  });
  t.same(calls, ['fence bumped', 'books read'], 'the fence is bumped before the books are read');
  t.match(await reservations.reserve({ saleId: sale.saleId, ...order('o-2', 'u-2') }), { ok: true, replayed: false, writeEpoch: 3 });
  t.match(await reservations.reserve({ saleId: sale.saleId, ...order('o-2', 'u-2') }), { ok: true, replayed: true, writeEpoch: 3 });
});

t.test('a rebuild without fenceWrites keeps the epoch the sale had', async (t) => {
  const { reservations, sale } = await setup(t, { stock: 10 });
  await reservations.arm(sale);
  await reservations.rebuild(sale, [], { fenceWrites: async () => 2 });
  await reservations.rebuild(sale, []);
  t.match(await reservations.reserve({ saleId: sale.saleId, ...order('o-1', 'u-1') }), { ok: true, writeEpoch: 2 });
});

t.test('a rebuild that fails after bumping the fence puts the sale back with the new epoch, so orders reserved on it pass the fence', async (t) => {
  const { reservations, sale } = await setup(t, { stock: 10 });
  await reservations.arm(sale);
  await t.rejects(
    reservations.rebuild(sale, [], {
      fenceWrites: async () => 4,
      rereadSale: async () => {
        throw new Error('the books are unreachable');
      },
    }),
    { message: 'the books are unreachable' },
  );
  t.match(
    await reservations.reserve({ saleId: sale.saleId, ...order('o-1', 'u-1') }),
    { ok: true, writeEpoch: 4 },
    'aborted: set-aside meta back, with the bumped epoch',
  );

  const oversold: RebuildOrder[] = Array.from({ length: 11 }, (_, i) => ({
    orderId: `b-${i}`,
    userId: `u-${i}`,
    quantity: 1,
    state: 'committed',
    holdExpiresAtMs: T0,
  }));
  await t.rejects(reservations.rebuild(sale, oversold, { fenceWrites: async () => 5 }), { code: 'OVERSUBSCRIBED' });
  t.match(
    await reservations.reserve({ saleId: sale.saleId, ...order('o-2', 'u-2') }),
    { ok: true, writeEpoch: 5 },
    'refused as oversold: set-aside meta back, with the bumped epoch',
  );
});

t.test('a fence that fails to bump aborts the rebuild and leaves the sale with the epoch it had', async (t) => {
  const { reservations, sale } = await setup(t, { stock: 10 });
  await reservations.arm(sale);
  await t.rejects(
    reservations.rebuild(sale, [], {
      fenceWrites: async () => {
        throw new Error('the order database is unreachable');
      },
    }),
    { message: 'the order database is unreachable' },
  );
  const after = await reservations.reserve({ saleId: sale.saleId, ...order('o-1', 'u-1') });
  t.match(after, { ok: true });
  t.equal(after.ok && (after.writeEpoch ?? 0), 0);
});
