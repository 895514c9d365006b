import t from 'tap';
import { ORDER_TABLES, orderTables } from '../src/index.ts';

t.test('the tables are unqualified on the connection to the order database', async (t) => {
  t.same(ORDER_TABLES, { orders: 'orders', history: 'order_status_history' });
});

t.test('a schema qualifies both tables, quoted', async (t) => {
  t.same(orderTables('flash_order'), { orders: '`flash_order`.orders', history: '`flash_order`.order_status_history' });
});

t.test('a schema name that is not a plain identifier is refused', async (t) => {
  t.throws(() => orderTables('order`; DROP TABLE orders; --'), /not a plain MySQL identifier/);
  t.throws(() => orderTables(''), /not a plain MySQL identifier/);
});
