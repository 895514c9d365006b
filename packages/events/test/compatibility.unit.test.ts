import t from 'tap';
import { z } from 'zod';
import { defineEvent, EventRegistry } from '../src/registry.ts';
import { gate } from '../src/schema/compatibility.ts';
import { snapshotOf, snapshotsOf } from '../src/schema/snapshot.ts';
import { readSnapshots } from '../src/schema/snapshot-files.ts';
import { registry } from '../src/catalog.ts';

// Given a v1 schema as committed, when the payload changes, then the gate says whether it may ship.
const base = {
  order_id: z.string(),
  quantity: z.number().int(),
  reason: z.enum(['cancelled', 'expired', 'refunded']),
  note: z.string().optional(),
};
const define = (payload: z.ZodObject, type = 'test.thing.happened.v1') =>
  snapshotOf(
    defineEvent({
      type,
      topic: `test.thing.happened.${type.split('.').pop()}`,
      owner: 'order',
      description: 'test',
      payload,
      partitionKey: () => 'k',
      classification: Object.fromEntries(Object.keys(payload.shape).map((field) => [field, 'internal'])),
    }),
  );
const committed = [define(z.object(base))];
const rulesOf = (payload: z.ZodObject) => gate(committed, [define(payload)]).violations.map((violation) => `${violation.rule}:${violation.path}`);

t.test('a removed field fails', async (t) => {
  const { quantity: _removed, ...rest } = base;
  t.same(rulesOf(z.object(rest)), ['removed-field:quantity']);
});

t.test('a removed optional field fails too (old consumers may read it)', async (t) => {
  const { note: _removed, ...rest } = base;
  t.same(rulesOf(z.object(rest)), ['removed-field:note']);
});

t.test('a retyped field fails', async (t) => {
  t.same(rulesOf(z.object({ ...base, quantity: z.string() })), ['retyped-field:quantity']);
});

t.test('a number narrowed to an integer fails, an integer widened to a number passes', async (t) => {
  const numeric = [define(z.object({ ...base, quantity: z.number() }))];
  t.same(
    gate(numeric, [define(z.object(base))]).violations.map((v) => v.rule),
    ['retyped-field'],
  );
  t.same(rulesOf(z.object({ ...base, quantity: z.number() })), []);
});

t.test('a changed string format fails', async (t) => {
  t.same(rulesOf(z.object({ ...base, order_id: z.email() })), ['retyped-field:order_id']);
});

t.test('a new required field fails', async (t) => {
  t.same(rulesOf(z.object({ ...base, currency: z.string() })), ['new-required-field:currency']);
});

t.test('an optional field that becomes required fails', async (t) => {
  t.same(rulesOf(z.object({ ...base, note: z.string() })), ['new-required-field:note']);
});

t.test('a narrowed enum fails', async (t) => {
  t.same(rulesOf(z.object({ ...base, reason: z.enum(['cancelled', 'expired']) })), ['narrowed-enum:reason']);
});

t.test('turning a free string into an enum is a narrowing', async (t) => {
  t.same(rulesOf(z.object({ ...base, order_id: z.enum(['a', 'b']) })), ['narrowed-enum:order_id']);
});

t.test('changes inside nested objects and arrays are found', async (t) => {
  const nested = [define(z.object({ ...base, lines: z.array(z.object({ sku: z.string(), qty: z.number() })) }))];
  const changed = define(z.object({ ...base, lines: z.array(z.object({ qty: z.string() })) }));
  t.same(
    gate(nested, [changed]).violations.map((v) => `${v.rule}:${v.path}`),
    ['removed-field:lines[].sku', 'retyped-field:lines[].qty'],
  );
});

t.test('additive changes pass: a new optional field and a widened enum', async (t) => {
  const result = gate(committed, [
    define(z.object({ ...base, coupon: z.string().optional(), reason: z.enum(['cancelled', 'expired', 'refunded', 'orphan']) })),
  ]);
  t.same(result.violations, []);
  t.same(result.stale, ['test.thing.happened.v1'], 'passes, but asks for a fresh snapshot');
});

t.test('a breaking change passes when it ships as a new .vN type beside the old one', async (t) => {
  const { quantity: _removed, ...rest } = base;
  const v2 = define(z.object({ ...rest, quantity_text: z.string() }), 'test.thing.happened.v2');
  t.same(gate([...committed, v2], [define(z.object(base)), v2]).violations, []);
});

t.test('a removed type, a moved topic and an unsnapshotted type fail', async (t) => {
  const v2 = define(z.object(base), 'test.thing.happened.v2');
  t.same(
    gate(committed, [v2]).violations.map((v) => v.rule),
    ['removed-type', 'missing-snapshot'],
  );
  const moved = { ...define(z.object(base)), topic: 'test.thing.moved.v1' };
  t.same(
    gate(committed, [moved]).violations.map((v) => v.rule),
    ['moved-topic'],
  );
});

t.test('snapshots carry owner, topic and the classification of every field', async (t) => {
  const snapshot = snapshotOf(registry.get('order.created.v1')!);
  t.equal(snapshot.owner, 'order');
  t.equal(snapshot.topic, 'order.order.created.v1');
  t.equal((snapshot.payload.properties as Record<string, Record<string, unknown>>).user_id?.['x-classification'], 'personal');
  const completed = snapshotOf(registry.get('payment.completed.v1')!);
  t.equal((completed.payload.properties as Record<string, Record<string, unknown>>).transaction_id?.['x-classification'], 'restricted');
  t.same(completed.restricted_readers, ['order']);
});

t.test('the committed snapshots match the catalog (the CI gate passes)', async (t) => {
  const result = gate(await readSnapshots(), snapshotsOf(new EventRegistry(registry.all())));
  t.same(result.violations, []);
  t.same(result.stale, []);
});
