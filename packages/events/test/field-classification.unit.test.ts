/**
 * The classification of event fields and the sealing of restricted ones, without servers: the
 * schema gate's rules, what the decoder does with a sealed value it may or may not open, and which
 * services refuse to start without keys (docs/eventing.md, "Classification").
 */
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { z } from 'zod';
import { paymentCompleted, registry } from '../src/catalog.ts';
import { buildDeadLetterMessage, parseDeadLetterEntry } from '../src/consumer/dead-letter.ts';
import { decodeMessage } from '../src/consumer/decode.ts';
import { TerminalError, handlerErrorContract } from '../src/consumer/errors.ts';
import { FieldKeyring, loadFieldKeys } from '../src/crypto/field-keys.ts';
import { MissingFieldKeyError, parseWirePayload } from '../src/crypto/field-encryption.ts';
import { prepareEvent } from '../src/outbox-writer.ts';
import { EventRegistry, type EventDefinition } from '../src/registry.ts';
import { gate } from '../src/schema/compatibility.ts';
import { readSnapshots } from '../src/schema/snapshot-files.ts';
import { snapshotOf, snapshotsOf } from '../src/schema/snapshot.ts';

const keys = new FieldKeyring(new Map([['k1', randomBytes(32)]]), 'k1');
const context = { source: 'payment', tenantId: 't1', correlationId: 'order-1' };
const payload = { payment_id: 'pay-1', order_id: 'order-1', transaction_id: 'txn_4242', amount_minor: 4999, currency: 'EUR' };
const sealed = () => prepareEvent(paymentCompleted, payload, context, new Date('2026-01-01T00:00:00Z'), { fieldKeys: keys }).envelope;
const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));

/** Today's catalog with `definition` in place of its own version of that type. */
const catalogWith = (definition: EventDefinition) => new EventRegistry([...registry.all().filter((other) => other.type !== definition.type), definition]);

t.test('the schema gate fails when a new field has no classification', async (t) => {
  const withCardDigits = {
    ...paymentCompleted,
    payload: paymentCompleted.payload.extend({ card_last4: z.string().length(4).optional() }),
  } as unknown as EventDefinition; // the type-checker would refuse it too; the gate is what CI runs on a schema change
  const { violations } = gate(await readSnapshots(), snapshotsOf(catalogWith(withCardDigits)));
  t.same(
    violations.map((violation) => `${violation.type} ${violation.rule}:${violation.path}`),
    ['payment.completed.v1 unclassified-field:card_last4'],
  );
  const classified = { ...withCardDigits, classification: { ...paymentCompleted.classification, card_last4: 'restricted' } } as EventDefinition;
  t.same(gate(await readSnapshots(), snapshotsOf(catalogWith(classified))).violations, [], 'classified, the same additive field passes');
});

t.test('the schema gate fails when a field is moved into or out of restricted (its wire form changes), and passes other moves', async (t) => {
  const committed = await readSnapshots();
  const reclassify = (field: string, level: string) =>
    gate(
      committed,
      snapshotsOf(catalogWith({ ...paymentCompleted, classification: { ...paymentCompleted.classification, [field]: level } } as unknown as EventDefinition)),
    ).violations.map((violation) => `${violation.rule}:${violation.path}`);
  t.same(reclassify('transaction_id', 'personal'), ['reclassified-field:transaction_id']);
  t.same(reclassify('amount_minor', 'restricted'), ['reclassified-field:amount_minor']);
  t.same(reclassify('amount_minor', 'personal'), []);
});

t.test('every field of every catalog event is classified', async (t) => {
  for (const definition of registry.all()) {
    const fields = Object.keys(snapshotOf(definition).payload.properties as object);
    t.same(Object.keys(definition.classification).sort(), fields.sort(), definition.type);
  }
});

t.test('each value is sealed with a fresh IV: the same transaction id sealed twice gives two ciphertexts', async (t) => {
  const [a, b] = [sealed(), sealed()];
  t.not(JSON.stringify(a.payload.transaction_id), JSON.stringify(b.payload.transaction_id));
  t.notMatch(JSON.stringify(a), 'txn_4242');
});

t.test('the decoder opens a sealed field for the declared reader only; others get it validated as sealed', async (t) => {
  const envelope = sealed();
  const forOrder = decodeMessage({ value: bytes(envelope) }, registry.forConsumer('order', keys));
  t.equal(forOrder.kind === 'event' && forOrder.envelope.payload.transaction_id, 'txn_4242');
  const forReconciler = decodeMessage({ value: bytes(envelope) }, registry.forConsumer('reconciler', keys));
  t.match(forReconciler.kind === 'event' && forReconciler.envelope.payload.transaction_id, { alg: 'A256GCM' });
  const withoutKeys = decodeMessage({ value: bytes(envelope) }, registry);
  t.equal(withoutKeys.kind, 'event', 'a consumer with no keys at all still reads the rest of the event');
  t.ok(parseWirePayload(paymentCompleted, envelope).success, 'a replay validates the sealed form');
});

t.test('a sealed value that was tampered with, or copied from another event, is a poison pill for the reader', async (t) => {
  const envelope = sealed();
  const value = envelope.payload.transaction_id as { ciphertext: string };
  const flipped = Buffer.from(value.ciphertext, 'base64');
  flipped[0] = (flipped[0] ?? 0) ^ 1;
  const tampered = { ...envelope, payload: { ...envelope.payload, transaction_id: { ...value, ciphertext: flipped.toString('base64') } } };
  const moved = { ...sealed(), payload: { ...sealed().payload, transaction_id: envelope.payload.transaction_id } };
  for (const [what, candidate] of [
    ['tampered', tampered],
    ['moved', moved],
  ] as const) {
    const decoded = decodeMessage({ value: bytes(candidate) }, registry.forConsumer('order', keys));
    t.equal(decoded.kind === 'poison' && decoded.contract.error.code, 'UNREADABLE_RESTRICTED_FIELD', what);
    t.notMatch(JSON.stringify(decoded), 'txn_4242', `${what}: the refusal names no value`);
  }
  const unsealed = { ...envelope, payload: { ...envelope.payload, transaction_id: 'txn_4242' } };
  const decoded = decodeMessage({ value: bytes(unsealed) }, registry.forConsumer('reconciler', keys));
  t.equal(decoded.kind === 'poison' && decoded.contract.error.code, 'UNREADABLE_RESTRICTED_FIELD', 'a field the metadata lists as sealed but holds in clear');
});

t.test('a reader missing the key an event names fails as the runtime (its configuration), not as the event', async (t) => {
  const other = new FieldKeyring(new Map([['k2', randomBytes(32)]]), 'k2');
  t.throws(() => decodeMessage({ value: bytes(sealed()) }, registry.forConsumer('order', other)), MissingFieldKeyError);
});

t.test('payment (producer) and order (declared reader) refuse to start without keys; inventory and the reconciler need none', async (t) => {
  t.same(
    (['order', 'payment', 'inventory', 'reconciler'] as const).map((service) => registry.needsFieldKeys(service)),
    [true, true, false, false],
  );
  t.throws(() => loadFieldKeys({ NODE_ENV: 'production' }, true), /EVENT_ENCRYPTION_KEYS and EVENT_ENCRYPTION_KEY_ID: required/);
  t.throws(() => loadFieldKeys({ NODE_ENV: 'development' }, true), /required/);
  t.equal(loadFieldKeys({ NODE_ENV: 'development' }, false), undefined);
  t.equal(loadFieldKeys({ NODE_ENV: 'test' }, true), undefined, 'a harness under NODE_ENV=test may omit them');
  const key = randomBytes(32).toString('base64');
  t.throws(() => loadFieldKeys({ EVENT_ENCRYPTION_KEYS: `k1:${key}`, EVENT_ENCRYPTION_KEY_ID: 'k2' }, true), /k2 is not among/);
  t.throws(() => loadFieldKeys({ EVENT_ENCRYPTION_KEYS: `k1:${randomBytes(16).toString('base64')}`, EVENT_ENCRYPTION_KEY_ID: 'k1' }, true), /32 bytes/);
  t.throws(() => loadFieldKeys({ EVENT_ENCRYPTION_KEYS: `k1:${key}` }, true), /EVENT_ENCRYPTION_KEY_ID: required/);
  const error = t.throws(() => loadFieldKeys({ EVENT_ENCRYPTION_KEYS: `k1:${key},k1:${key}`, EVENT_ENCRYPTION_KEY_ID: 'k1' }, true)) as Error;
  t.notMatch(error.message, key, 'an error never holds key material');
  const ring = loadFieldKeys({ EVENT_ENCRYPTION_KEYS: `old:${key}, new:${randomBytes(32).toString('base64')}`, EVENT_ENCRYPTION_KEY_ID: 'new' }, true);
  t.same([ring?.activeKeyId, ring?.keyIds], ['new', ['old', 'new']]);
});

t.test('log redaction covers every personal and restricted field', async (t) => {
  const paths = registry.redactionPaths();
  for (const field of ['user_id', 'transaction_id', 'reason']) t.ok(paths.includes(`payload.${field}`), field);
  t.notOk(paths.includes('payload.order_id'));
});

t.test("a dead-letter entry drops an opened value the reader's handler put into its error", async (t) => {
  const message = { value: bytes(sealed()), key: null, headers: {}, offset: '7', timestamp: '0', attributes: 0 };
  const decoded = decodeMessage(message, registry.forConsumer('order', keys));
  t.equal(decoded.kind, 'event');
  const careless = handlerErrorContract(new TerminalError('no order for transaction txn_4242'), 1);
  const entry = parseDeadLetterEntry(
    buildDeadLetterMessage('dead-lettered', 'order', { topic: 'payments', partition: 0, message }, careless, 1, {}, new Date()).value as Buffer,
  );
  t.equal(entry.error.message, 'no order for transaction [restricted]');
  t.notMatch(JSON.stringify(entry), 'txn_4242');
  t.notMatch(Buffer.from(entry.original.value ?? '', 'base64').toString('utf8'), 'txn_4242', 'the original travels sealed');
});
