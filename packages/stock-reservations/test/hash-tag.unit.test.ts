import calculateSlot from 'cluster-key-slot';
import t from 'tap';
import { saleKeys, stockReturnedChannel } from '../src/index.ts';

t.test('every key of a sale hashes to the same Redis Cluster slot', async (t) => {
  for (const saleId of ['sale-1', 'b7c0e1a4-0f7e-4c55-9f7e-3f1a2b4c5d6e', 'x']) {
    const keys = Object.values(saleKeys('t_prefix:', saleId));
    t.equal(keys.length, 6);
    const slots = new Set(keys.map((key) => calculateSlot(key)));
    t.equal(slots.size, 1, `one slot for ${saleId}: ${keys.join(', ')}`);
    t.equal([...slots][0], calculateSlot(saleId), 'the slot is the sale id’s own');
  }
  // Different sales spread over slots rather than piling onto one.
  const slotsOfMany = new Set(Array.from({ length: 50 }, (_, i) => calculateSlot(saleKeys('', `sale-${i}`).meta)));
  t.ok(slotsOfMany.size > 40);
});

t.test('a sale id or prefix with a brace is refused: it would move the hash tag', async (t) => {
  t.throws(() => saleKeys('', 'a}b'), /free of braces/);
  t.throws(() => saleKeys('', '{x'), /free of braces/);
  t.throws(() => saleKeys('{p}', 'x'), /free of braces/);
  t.throws(() => saleKeys('', ''), /non-empty/);
  t.equal(stockReturnedChannel('p:'), 'p:stock-returned');
});
