import t from 'tap';
import {
  ENDED_UNSOLD,
  HOLDS_STOCK,
  ORDER_COMMANDS,
  ORDER_STATUSES,
  PAID_OR_LATER,
  TERMINAL_STATUSES,
  TRANSITIONS,
  decide,
  isTerminal,
  restocksOnRefund,
  sqlStatusList,
  type OrderStatus,
} from '../src/index.ts';

t.test('given each status, when each command arrives, then only the listed transitions pass', async (t) => {
  for (const command of ORDER_COMMANDS) {
    for (const status of ORDER_STATUSES) {
      const decision = decide(command, status);
      t.equal(decision.ok, TRANSITIONS[command].from.includes(status), `${command} from ${status}`);
      if (decision.ok) t.same(decision, { ok: true, from: status, to: TRANSITIONS[command].to });
      else t.same(decision, { ok: false, reason: 'ILLEGAL_TRANSITION', from: status, command });
    }
  }
});

t.test('the happy path and its exits', async (t) => {
  t.same(decide('pay', 'PENDING'), { ok: true, from: 'PENDING', to: 'PAID' });
  t.same(decide('confirm', 'PAID'), { ok: true, from: 'PAID', to: 'CONFIRMED' });
  t.same(decide('ship', 'CONFIRMED'), { ok: true, from: 'CONFIRMED', to: 'SHIPPED' });
  t.same(decide('deliver', 'SHIPPED'), { ok: true, from: 'SHIPPED', to: 'DELIVERED' });
  t.equal(decide('ship', 'PENDING').ok, false, 'cannot jump from PENDING to SHIPPED');
  t.equal(decide('cancel', 'PAID').ok, false, 'a paid order is refunded, not cancelled');
  t.equal(decide('expire', 'EXPIRED').ok, false, 'expiry applies once');
  t.equal(decide('pay', 'EXPIRED').ok, false, 'a late payment does not revive an expired order');
  t.equal(decide('refund', 'REFUNDED').ok, false, 'a second refund is refused');
});

t.test('terminal statuses are those nothing but a refund leaves', async (t) => {
  for (const status of ORDER_STATUSES) {
    const leaves = ORDER_COMMANDS.filter((command) => command !== 'refund').some((command) => decide(command, status).ok);
    t.equal(isTerminal(status), !leaves, status);
  }
  t.same([...TERMINAL_STATUSES].sort(), ['CANCELLED', 'DELIVERED', 'EXPIRED', 'REFUNDED']);
});

t.test('a refund restocks only before shipment', async (t) => {
  t.same(
    ORDER_STATUSES.filter((status) => restocksOnRefund(status)),
    ['PAID', 'CONFIRMED'],
  );
});

t.test('every status either keeps its units, gave them back unsold, or is a refund whose return depends on its origin', async (t) => {
  const sorted = (statuses: readonly OrderStatus[]) => [...statuses].sort();
  t.same(sorted([...HOLDS_STOCK, ...ENDED_UNSOLD, 'REFUNDED']), sorted(ORDER_STATUSES), 'the three cover every status once');
  t.same(sorted(ENDED_UNSOLD), sorted([TRANSITIONS.cancel.to, TRANSITIONS.expire.to]), 'what cancel and expire lead to');
});

t.test('the paid statuses are those a refund may start from: reached only through pay', async (t) => {
  t.same([...PAID_OR_LATER].sort(), [...TRANSITIONS.refund.from].sort());
  t.notOk(PAID_OR_LATER.includes('PENDING'));
});

t.test('a status set as an SQL list', async (t) => {
  t.equal(sqlStatusList(ENDED_UNSOLD), "'CANCELLED','EXPIRED'");
});
