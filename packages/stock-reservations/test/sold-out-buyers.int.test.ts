import { createTestRedis } from '@flash-sale/testkit';
import t from 'tap';
import { StockReservations } from '../src/index.ts';
import { T0, saleFixture } from './fixtures/sale.fixture.ts';

t.test('the buyers of a sale are listed only while nothing is available, and a released buyer stays listed', async (t) => {
  const { redis, prefix } = await createTestRedis(t.teardown.bind(t));
  const reservations = new StockReservations(redis, { keyPrefix: prefix });
  const sale = saleFixture({ stock: 2 });
  await reservations.arm(sale);
  const reserve = (orderId: string, userId: string) => reservations.reserve({ saleId: sale.saleId, tenantId: 't1', orderId, userId, quantity: 1, nowMs: T0 });

  t.same(await reservations.soldOutBuyers(sale.saleId, '', 100), { kind: 'not-sold-out' }, 'stock left: no list');
  t.match(await reserve('o-ann', 'ann'), { ok: true });
  t.match(await reserve('o-bob', 'bob'), { ok: true, remaining: 0 });
  const listed = await reservations.soldOutBuyers(sale.saleId, '', 100);
  t.match(listed, { kind: 'listed', tenantId: 't1' });
  t.same(listed.kind === 'listed' ? [...new Set(listed.userIds)].sort() : [], ['ann', 'bob']);
  const version = listed.kind === 'listed' ? listed.version : '';
  t.same(await reservations.soldOutBuyers(sale.saleId, version, 100), { kind: 'unchanged', tenantId: 't1', version });
  t.match(await reservations.soldOutBuyers(sale.saleId, '', 1), { kind: 'too-many' }, 'a list above the bound is not sent');

  await reservations.release({ saleId: sale.saleId, orderId: 'o-ann', reason: 'expired' });
  t.same(await reservations.soldOutBuyers(sale.saleId, version, 100), { kind: 'not-sold-out' }, 'a released unit reopens the sale');
  t.match(await reserve('o-cid', 'cid'), { ok: true, remaining: 0 });
  const again = await reservations.soldOutBuyers(sale.saleId, version, 100);
  t.same(again.kind === 'listed' ? [...new Set(again.userIds)].sort() : again, ['ann', 'bob', 'cid'], 'ann held units once: still listed');

  t.same(await reservations.soldOutBuyers('sale-nobody-armed', '', 100), { kind: 'not-sold-out' }, 'no such sale: no list');
});
