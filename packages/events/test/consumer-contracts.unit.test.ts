import { dirname, join } from 'node:path';
import t from 'tap';
import ts from 'typescript';
import { z } from 'zod';
import { orderCreated, orderCancelled, paymentCompleted, registry } from '../src/catalog.ts';
import { checkConsumerContract } from '../src/contracts/check-contract.ts';
import { contractBatchHandlers, contractHandlers, defineConsumerContract, reads } from '../src/contracts/consumer-contract.ts';
import { createEnvelope, type Envelope } from '../src/envelope.ts';
import type { HandlerContext, BatchHandlerContext } from '../src/consumer/event-consumer.ts';
import { EventRegistry, type EventDefinition } from '../src/registry.ts';
import { domainTopics, type TopicDeclaration } from '../src/topics.ts';

// A consumer reading four fields of order.created and one of order.cancelled, as the inventory service does.
const contract = defineConsumerContract('inventory', {
  'order.created.v1': reads(orderCreated, ['order_id', 'sale_id', 'sku_id', 'quantity']),
  'order.cancelled.v1': reads(orderCancelled, ['order_id']),
});
// The topics as declared, with this consumer on exactly the two topics it reads.
const topics: TopicDeclaration[] = [
  { name: orderCreated.topic, partitions: 1, producer: 'order', consumers: ['inventory'] },
  { name: orderCancelled.topic, partitions: 1, producer: 'order', consumers: ['inventory'] },
];

/** The catalog with `changed` in place of (or beside) its own definitions. */
const catalogWith = (...changed: EventDefinition[]) =>
  new EventRegistry([...registry.all().filter((definition) => !changed.some((change) => change.type === definition.type)), ...changed]);

/** A copy of a catalog event with another payload (and type and topic, for a new version). */
const variant = (base: EventDefinition, changes: { type?: string; topic?: string; payload: z.ZodObject }): EventDefinition => ({
  ...base,
  ...changes,
  partitionKey: () => 'k',
});

const { order_id, sale_id, sku_id, quantity } = orderCreated.payload.shape;
const rules = (found: ReturnType<typeof checkConsumerContract>) => found.map((violation) => `${violation.rule}:${violation.against}:${violation.field ?? ''}`);

t.test("a consumer's declared reads that the catalog and the topics hold pass", async (t) => {
  t.same(checkConsumerContract(contract, registry, topics), []);
});

t.test('a producer dropping a field a consumer declared fails, naming the consumer, the event and the field', async (t) => {
  const { sku_id: _dropped, ...rest } = orderCreated.payload.shape;
  const found = checkConsumerContract(contract, catalogWith(variant(orderCreated, { payload: z.object(rest) })), topics);
  t.same(rules(found), ['removed-field:order.created.v1:sku_id']);
  t.match(found[0]?.message, /inventory reads sku_id of order\.created\.v1/);
});

t.test('a field no consumer declared may go: dropping it breaks no contract', async (t) => {
  const { user_id: _dropped, ...rest } = orderCreated.payload.shape;
  t.same(checkConsumerContract(contract, catalogWith(variant(orderCreated, { payload: z.object(rest) })), topics), []);
});

t.test('a new version renaming a declared field fails for a consumer still on the old version', async (t) => {
  const v2 = variant(orderCreated, {
    type: 'order.created.v2',
    topic: 'order.order.created.v2',
    payload: z.object({ order_id, sale_id, sku: sku_id, quantity }),
  });
  const found = checkConsumerContract(contract, catalogWith(v2), topics);
  t.same(rules(found), ['removed-field:order.created.v2:sku_id']);
  t.match(found[0]?.message, /order\.created\.v2 has no sku_id \(removed or renamed\) and inventory does not declare order\.created\.v2/);
});

t.test('a new version retyping a declared field fails, even when every other change is additive', async (t) => {
  const v2 = variant(orderCreated, {
    type: 'order.created.v2',
    topic: 'order.order.created.v2',
    payload: z.object({ order_id, sale_id, sku_id, quantity: z.string(), gift_note: z.string().optional() }),
  });
  t.same(rules(checkConsumerContract(contract, catalogWith(v2), topics)), ['retyped-field:order.created.v2:quantity']);
});

t.test('a new version passes once the consumer declares it; a new version that keeps the declared fields passes as is', async (t) => {
  const renamed = variant(orderCreated, {
    type: 'order.created.v2',
    topic: 'order.order.created.v2',
    payload: z.object({ order_id, sale_id, sku: sku_id, quantity }),
  });
  const moved = defineConsumerContract('inventory', {
    ...contract.reads,
    'order.created.v2': { event: renamed, fields: ['order_id', 'sale_id', 'sku', 'quantity'] },
  });
  const withV2 = [...topics, { name: 'order.order.created.v2', partitions: 1, producer: 'order' as const, consumers: ['inventory' as const] }];
  t.same(checkConsumerContract(moved, catalogWith(renamed), withV2), []);
  const additive = variant(orderCreated, {
    type: 'order.created.v2',
    topic: 'order.order.created.v2',
    payload: orderCreated.payload.extend({ gift_note: z.string().optional() }),
  });
  t.same(checkConsumerContract(contract, catalogWith(additive), topics), []);
});

t.test('a consumer listed on a topic whose event it does not declare fails, and so does a declared event on a topic that does not list it', async (t) => {
  const listedOnMore = [...topics, { name: 'payment.payment.completed.v1', partitions: 1, producer: 'payment' as const, consumers: ['inventory' as const] }];
  t.same(rules(checkConsumerContract(contract, registry, listedOnMore)), ['undeclared-event:payment.completed.v1:']);
  t.same(rules(checkConsumerContract(contract, registry, topics.slice(0, 1))), ['unlisted-consumer:order.cancelled.v1:']);
  t.same(rules(checkConsumerContract(contract, registry, domainTopics)), ['undeclared-event:order.expired.v1:', 'undeclared-event:order.refunded.v1:']);
});

t.test("a replay's reader, listed on no topic, is held to its field reads only", async (t) => {
  const replay = defineConsumerContract('reconciler', { 'order.created.v1': reads(orderCreated, ['order_id', 'sku_id']) }, { subscribes: false });
  t.same(checkConsumerContract(replay, registry, topics), []);
  const { sku_id: _dropped, ...rest } = orderCreated.payload.shape;
  t.same(rules(checkConsumerContract(replay, catalogWith(variant(orderCreated, { payload: z.object(rest) })), topics)), [
    'removed-field:order.created.v1:sku_id',
  ]);
});

t.test(
  'a restricted field read by a consumer the event does not name as its reader fails (it would get the sealed value), and so does a named reader that reads none',
  async (t) => {
    const paymentTopics: TopicDeclaration[] = [{ name: paymentCompleted.topic, partitions: 1, producer: 'payment', consumers: ['order'] }];
    const readsReference = defineConsumerContract('order', { 'payment.completed.v1': reads(paymentCompleted, ['order_id', 'transaction_id']) });
    const readsIdsOnly = defineConsumerContract('order', { 'payment.completed.v1': reads(paymentCompleted, ['order_id']) });
    t.same(checkConsumerContract(readsReference, registry, paymentTopics), [], 'the catalog names order as the reader of transaction_id');
    const unnamed = catalogWith({ ...variant(paymentCompleted, { payload: paymentCompleted.payload }), restrictedReaders: [] });
    t.same(rules(checkConsumerContract(readsReference, unnamed, paymentTopics)), ['sealed-field:payment.completed.v1:transaction_id']);
    t.same(rules(checkConsumerContract(readsIdsOnly, registry, paymentTopics)), ['needless-restricted-reader:payment.completed.v1:']);
  },
);

t.test('a read of an event type that is not registered fails', async (t) => {
  const unregistered = variant(orderCreated, { type: 'order.created.v9', topic: 'order.order.created.v9', payload: orderCreated.payload });
  const reader = defineConsumerContract('inventory', { 'order.created.v9': { event: unregistered, fields: ['order_id'] } });
  t.same(rules(checkConsumerContract(reader, registry, [])), ['unknown-type:order.created.v9:']);
});

t.test('a contract declaring an event under another type is refused at once', async (t) => {
  t.throws(
    () => defineConsumerContract('inventory', { 'order.expired.v1': reads(orderCreated, ['order_id']) }),
    /declares reads of order\.created\.v1 under order\.expired\.v1/,
  );
});

const created = createEnvelope(
  'order.created.v1',
  {
    order_id: 'o-1',
    sale_id: 's-1',
    sku_id: 'k-1',
    quantity: 2,
    user_id: 'shopper-1',
    unit_price_minor: 100,
    total_minor: 200,
    currency: 'EUR',
    expires_at: '2030-01-01T00:00:00.000Z',
  },
  'o-1',
  { source: 'test', tenantId: 't1', correlationId: 'c-1' },
  new Date('2030-01-01T00:00:00.000Z'),
);

t.test('at run time a handler is handed only the fields its contract declares, single and batched', async (t) => {
  const seen: unknown[] = [];
  const handlers = contractHandlers(contract, {
    'order.created.v1': async (event) => void seen.push(event.payload),
    'order.cancelled.v1': async () => undefined,
  });
  await handlers['order.created.v1']!(created as Envelope, {} as HandlerContext);
  const batch = contractBatchHandlers(contract, { 'order.created.v1': async (items) => void seen.push(...items.map(({ event }) => event.payload)) });
  await batch['order.created.v1']!([{ event: created as Envelope, traceparent: undefined }], {} as BatchHandlerContext);
  t.same(seen, [
    { order_id: 'o-1', sale_id: 's-1', sku_id: 'k-1', quantity: 2 },
    { order_id: 'o-1', sale_id: 's-1', sku_id: 'k-1', quantity: 2 },
  ]);
  t.notOk('user_id' in (seen[0] as object), 'the undeclared (personal) field is not there to read');
  t.equal(created.payload.user_id, 'shopper-1', 'the delivered event itself is left as it was');
});

/**
 * Type-checks `sources` (file name → text, as if they sat in this folder) with the repository's
 * compiler options: the same check `pnpm typecheck` runs in CI.
 */
function typeCheck(sources: Record<string, string>): Record<string, ts.Diagnostic[]> {
  const here = dirname(new URL(import.meta.url).pathname);
  const configPath = join(here, '..', 'tsconfig.json');
  const config = ts.parseJsonConfigFileContent(ts.readConfigFile(configPath, (path) => ts.sys.readFile(path)).config, ts.sys, dirname(configPath));
  const files = new Map(Object.entries(sources).map(([name, text]) => [join(here, name), text]));
  const host = ts.createCompilerHost(config.options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, language, ...rest) => {
    const text = files.get(fileName);
    return text === undefined ? getSourceFile(fileName, language, ...rest) : ts.createSourceFile(fileName, text, language);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (fileName) => files.has(fileName) || fileExists(fileName);
  const program = ts.createProgram([...files.keys()], config.options, host);
  return Object.fromEntries(
    [...files.keys()].map((path) => [path.slice(here.length + 1), [...ts.getPreEmitDiagnostics(program, program.getSourceFile(path))]]),
  );
}

t.test('a handler reading a field its contract does not declare does not compile; one reading a declared field does', async (t) => {
  const handlerReading = (field: string) => `
    import { orderCreated } from '../src/catalog.ts';
    import { contractHandlers, defineConsumerContract, reads } from '../src/contracts/consumer-contract.ts';
    const contract = defineConsumerContract('inventory', { 'order.created.v1': reads(orderCreated, ['order_id', 'quantity']) });
    export const handlers = contractHandlers(contract, {
      'order.created.v1': async (event) => { void event.payload.${field}; },
    });
  `;
  const diagnostics = typeCheck({ 'undeclared-read.fixture.ts': handlerReading('user_id'), 'declared-read.fixture.ts': handlerReading('quantity') });
  const messages = (name: string) =>
    (diagnostics[name] ?? []).map((diagnostic) => `TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`);
  t.same(messages('declared-read.fixture.ts'), [], 'the declared field compiles');
  t.match(messages('undeclared-read.fixture.ts'), [/^TS2339: Property 'user_id' does not exist on type 'Pick<.*"order_id" \| "quantity">'/]);
});
