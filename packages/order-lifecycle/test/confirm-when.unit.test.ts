import t from 'tap';
import { ORDER_STATUSES, confirmWhen } from '../src/index.ts';

t.test('only a PAID order with its stock committed is confirmed', async (t) => {
  for (const status of ORDER_STATUSES) {
    t.equal(confirmWhen(status, true), status === 'PAID', `${status}, stock committed`);
    t.equal(confirmWhen(status, false), false, `${status}, stock not committed`);
  }
});
