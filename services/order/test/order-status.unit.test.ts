import t from 'tap';
import { ORDER_STATUSES, TRANSITIONS, decide, type OrderCommand } from '../src/domain/order-status.ts';

t.test('given each status, when each command arrives, then only the listed transitions pass', async (t) => {
  for (const command of Object.keys(TRANSITIONS) as OrderCommand[]) {
    for (const status of ORDER_STATUSES) {
      const decision = decide(command, status);
      t.equal(decision.ok, TRANSITIONS[command].from.includes(status), `${command} from ${status}`);
      if (decision.ok) t.equal(decision.to, TRANSITIONS[command].to);
    }
  }
});

t.test('the happy path and its exits', async (t) => {
  t.same(decide('pay', 'PENDING'), { ok: true, from: 'PENDING', to: 'PAID' });
  t.same(decide('confirm', 'PAID'), { ok: true, from: 'PAID', to: 'CONFIRMED' });
  t.equal(decide('ship', 'PENDING').ok, false, 'cannot jump from PENDING to SHIPPED');
  t.equal(decide('cancel', 'PAID').ok, false, 'a paid order is refunded, not cancelled');
  t.equal(decide('expire', 'EXPIRED').ok, false, 'expiry applies once');
});
