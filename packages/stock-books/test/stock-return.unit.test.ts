import t from 'tap';
import { stockDeltaOf, stockReturnFor } from '../src/index.ts';

t.test('a cancellation or an expiry releases the reservation; a refund is recorded as a refund', async (t) => {
  t.same(stockReturnFor('cancelled'), { reservation: 'released', operation: 'release' });
  t.same(stockReturnFor('expired'), { reservation: 'released', operation: 'release' });
  t.same(stockReturnFor('refunded'), { reservation: 'refunded', operation: 'refund' });
});

t.test('the stock comes back unless the units stay sold', async (t) => {
  t.equal(stockDeltaOf(3, true), 3);
  t.equal(stockDeltaOf(3, false), 0, 'a refund after shipment keeps its units sold');
});
