import t from 'tap';
import { decideExpiry } from '../src/index.ts';

t.test('an overdue order is expired only when no payment exists', async (t) => {
  t.equal(decideExpiry('completed'), 'pay', 'a completed payment pays the order instead');
  t.equal(decideExpiry('in_flight'), 'wait', 'a payment in flight postpones expiry');
  t.equal(decideExpiry('none'), 'expire');
  t.equal(decideExpiry('unknown'), 'unverified', 'never expired on a guess');
});
