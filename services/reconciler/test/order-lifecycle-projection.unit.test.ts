// The order-lifecycle fold: the same events give the same projection in any delivery order, the
// state machine refuses what the order service refuses, and repairs never go backwards.
import t from 'tap';
import { REPAIR_COMMANDS } from '../src/application/repairs/order-transition.ts';
import { agrees, pathBetween, projectOrders, type ReplayedEvent } from '../src/application/replay/order-lifecycle.projection.ts';

let offset = 0;
const event = (type: string, orderId: string, occurredAt: string, paymentId?: string): ReplayedEvent => ({
  id: `e${(offset += 1)}`,
  type,
  orderId,
  occurredAt,
  topic: type,
  partition: 0,
  offset: String(offset),
  ...(paymentId ? { paymentId } : {}),
});

const permutations = <T>(items: T[]): T[][] =>
  items.length <= 1 ? [items] : items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));

t.test('paid with stock committed is CONFIRMED whichever event came first', async (t) => {
  const events = [
    event('order.created.v1', 'o1', '2025-01-01T00:00:00.000Z'),
    event('stock.committed.v1', 'o1', '2025-01-01T00:00:02.000Z'),
    event('payment.completed.v1', 'o1', '2025-01-01T00:00:01.000Z', 'p1'),
  ];
  for (const order of permutations(events)) {
    t.same(projectOrders(order).get('o1'), { status: 'CONFIRMED', stockCommitted: true, paymentId: 'p1', refused: 0 });
  }
});

t.test('a payment that reached an expired order changes nothing, even if it happened earlier', async (t) => {
  const events = [
    event('order.created.v1', 'o2', '2025-01-01T00:00:00.000Z'),
    event('payment.completed.v1', 'o2', '2025-01-01T00:00:01.000Z', 'p2'),
    event('order.expired.v1', 'o2', '2025-01-01T00:00:02.000Z'),
  ];
  for (const order of permutations(events)) t.match(projectOrders(order).get('o2'), { status: 'EXPIRED', refused: 1 });
});

t.test('a refund after confirmation; its second record is refused; a failed payment moves nothing', async (t) => {
  const projection = projectOrders([
    event('order.created.v1', 'o3', '2025-01-01T00:00:00.000Z'),
    event('payment.failed.v1', 'o3', '2025-01-01T00:00:01.000Z'),
    event('payment.completed.v1', 'o3', '2025-01-01T00:00:02.000Z', 'p3'),
    event('stock.committed.v1', 'o3', '2025-01-01T00:00:03.000Z'),
    event('payment.refunded.v1', 'o3', '2025-01-01T00:00:04.000Z'),
    event('order.refunded.v1', 'o3', '2025-01-01T00:00:05.000Z'),
  ]);
  t.match(projection.get('o3'), { status: 'REFUNDED', refused: 1 });
});

t.test('an order whose creation is not among the events is not projected', async (t) => {
  t.equal(projectOrders([event('payment.completed.v1', 'o4', '2025-01-01T00:00:00.000Z', 'p4')]).size, 0);
});

t.test('repair paths follow the state machine forwards only; fulfilment without events agrees', async (t) => {
  t.same(pathBetween('PENDING', 'CONFIRMED', REPAIR_COMMANDS), ['pay', 'confirm']);
  t.same(pathBetween('CONFIRMED', 'REFUNDED', REPAIR_COMMANDS), ['refund']);
  t.equal(pathBetween('PAID', 'PENDING', REPAIR_COMMANDS), undefined);
  t.equal(pathBetween('CONFIRMED', 'SHIPPED', REPAIR_COMMANDS), undefined, 'a repair never ships');
  t.ok(agrees('DELIVERED', 'CONFIRMED'));
  t.notOk(agrees('PAID', 'CONFIRMED'));
  t.notOk(agrees('CANCELLED', 'PENDING'));
});
