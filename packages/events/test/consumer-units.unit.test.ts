import t from 'tap';
import { backoffDelay } from '../src/backoff.ts';
import { buildDeadLetterMessage, parseDeadLetterEntry } from '../src/consumer/dead-letter.ts';
import { decodeMessage } from '../src/consumer/decode.ts';
import { errorContract } from '../src/consumer/errors.ts';
import { orderCancelled, registry } from '../src/catalog.ts';
import { prepareEvent } from '../src/outbox-writer.ts';
import { formatTraceparent, parseTraceparent, traceparentFor } from '../src/trace-context.ts';

const context = { source: 'test', tenantId: 't1', correlationId: 'corr-1' };
const cancelled = prepareEvent(
  orderCancelled,
  { order_id: 'o1', sale_id: 's1', sku_id: 'k1', quantity: 1, reason: 'user' },
  context,
  new Date('2025-01-01T00:00:00Z'),
);
const bytes = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

t.test('backoff grows with the attempt and stays under the cap', async (t) => {
  const policy = { initialDelayMs: 100, maxDelayMs: 1000 };
  t.same(
    [1, 2, 3, 4, 5].map((attempt) => backoffDelay(policy, attempt, () => 0)),
    [50, 100, 200, 400, 500],
  );
  t.same(
    [1, 2, 3, 4, 5].map((attempt) => backoffDelay(policy, attempt, () => 1)),
    [100, 200, 400, 800, 1000],
  );
  // The lowest delay of an attempt is at least the highest of the one two before: growth survives jitter.
  t.ok(backoffDelay(policy, 3, () => 0) >= backoffDelay(policy, 1, () => 1));
});

t.test('decode accepts a valid event and returns the parsed payload', async (t) => {
  const decoded = decodeMessage({ value: bytes(cancelled.envelope) }, registry);
  t.equal(decoded.kind, 'event');
  if (decoded.kind === 'event') t.equal(decoded.envelope.payload.order_id, 'o1');
});

t.test('decode calls each kind of garbage a poison pill with its own code', async (t) => {
  const cases: [string, Buffer | null][] = [
    ['EMPTY_MESSAGE', null],
    ['MALFORMED_JSON', bytes('{not json')],
    ['INVALID_ENVELOPE', bytes({ ...cancelled.envelope, trace_id: 'nope' })],
    ['UNKNOWN_EVENT_TYPE', bytes({ ...cancelled.envelope, type: 'order.vanished.v1' })],
    ['INVALID_PAYLOAD', bytes({ ...cancelled.envelope, payload: { ...cancelled.envelope.payload, quantity: -1 } })],
  ];
  for (const [code, value] of cases) {
    const decoded = decodeMessage({ value }, registry);
    t.equal(decoded.kind === 'poison' && decoded.contract.error.code, code, code);
  }
});

t.test('poison-pill details name the field but never echo its value', async (t) => {
  const decoded = decodeMessage(
    { value: bytes({ ...cancelled.envelope, payload: { ...cancelled.envelope.payload, reason: 42, user_secret: 'x' } }) },
    registry,
  );
  t.equal(decoded.kind, 'poison');
  const text = JSON.stringify(decoded);
  t.match(text, /"path":"reason"/);
  t.notMatch(text, /42/);
});

t.test('a dead-letter entry round-trips everything redrive needs', async (t) => {
  const message = {
    key: Buffer.from('o1'),
    value: Buffer.from([0xff, 0x00, 0x7b]),
    headers: { traceparent: Buffer.from('tp') },
    offset: '17',
    timestamp: '1700000000000',
    attributes: 0,
  };
  const built = buildDeadLetterMessage(
    'quarantined',
    'inventory',
    { topic: 'order.order.created.v1', partition: 3, message },
    errorContract('MALFORMED_JSON', 'bad'),
    1,
    { type: 'x' },
    new Date(0),
  );
  t.same(built.key, message.key);
  const entry = parseDeadLetterEntry(Buffer.from(built.value as string));
  t.same(entry.error, { code: 'MALFORMED_JSON', message: 'bad', details: {} });
  t.same(entry.original, {
    topic: 'order.order.created.v1',
    partition: 3,
    offset: '17',
    timestamp: '1700000000000',
    key: Buffer.from('o1').toString('base64'),
    value: message.value.toString('base64'),
    headers: { traceparent: 'tp' },
  });
  t.same(Buffer.from(entry.original.value!, 'base64'), message.value, 'non-UTF-8 bytes survive');
  t.equal(entry.attempts, 1);
  t.equal(String((built.headers as Record<string, unknown>)['dlq-original-offset']), '17');
});

t.test('traceparent parsing follows W3C and rejects all-zero ids', async (t) => {
  const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  t.same(parseTraceparent(tp), { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', sampled: true });
  t.equal(formatTraceparent(parseTraceparent(tp)!), tp);
  t.equal(parseTraceparent(`00-${'0'.repeat(32)}-00f067aa0ba902b7-01`), undefined);
  t.equal(parseTraceparent('garbage'), undefined);
  t.equal(traceparentFor(tp, 'a'.repeat(32)), tp, 'a recorded traceparent wins');
  t.match(traceparentFor(undefined, 'a'.repeat(32)), new RegExp(`^00-${'a'.repeat(32)}-[0-9a-f]{16}-01$`), 'else a new span under the envelope trace');
});
