/**
 * Sealing and opening the restricted fields of an event (docs/eventing.md, "Classification").
 *
 * Each restricted value is replaced in the payload by `{ alg, iv, ciphertext, tag }`: AES-256-GCM
 * over the value's JSON, with a fresh 96-bit IV per value, and the event id, type and field name as
 * additional data, so a sealed value copied into another event or field does not open. The key id
 * goes once into `metadata.encryption` with the list of sealed fields; every other field stays
 * readable, so routing, partitioning and the consumers that never need the value work unchanged.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Envelope } from '../envelope.ts';
import type { EventDefinition } from '../registry.ts';
import type { FieldAccess, FieldKeyring } from './field-keys.ts';

export type { FieldAccess } from './field-keys.ts';

export const SEALED_ALGORITHM = 'A256GCM';
const IV_BYTES = 12;

export const sealedValueSchema = z
  .object({
    alg: z.literal(SEALED_ALGORITHM),
    iv: z.base64(),
    ciphertext: z.base64(),
    tag: z.base64(),
  })
  .strict();

export type SealedValue = z.infer<typeof sealedValueSchema>;

export interface EnvelopeEncryption {
  key_id: string;
  /** Payload fields holding a sealed value. */
  fields: string[];
}

const additionalData = (envelope: Pick<Envelope, 'id' | 'type'>, field: string) => Buffer.from(`${envelope.id}\n${envelope.type}\n${field}`, 'utf8');

export function sealValue(key: Buffer, value: unknown, aad: Buffer): SealedValue {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return { alg: SEALED_ALGORITHM, iv: iv.toString('base64'), ciphertext: ciphertext.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
}

/** Throws when the value was not sealed with `key` for this event and field (tampered, moved, other key). */
export function openValue(key: Buffer, sealed: SealedValue, aad: Buffer): unknown {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
  decipher.setAAD(aad);
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
  const plaintext = Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]);
  return JSON.parse(plaintext.toString('utf8'));
}

export const restrictedFieldsOf = (definition: Pick<EventDefinition, 'classification'>): string[] =>
  Object.entries(definition.classification)
    .filter(([, level]) => level === 'restricted')
    .map(([field]) => field);

/** The envelope with its definition's restricted fields sealed under the active key; unchanged when it has none. */
export function sealEnvelope<P extends Record<string, unknown>>(
  envelope: Envelope<P>,
  definition: Pick<EventDefinition, 'classification'>,
  keys: FieldKeyring,
): Envelope<P> {
  const fields = restrictedFieldsOf(definition).filter((field) => envelope.payload[field] !== undefined);
  if (fields.length === 0) return envelope;
  const { id: keyId, key } = keys.active;
  const payload: Record<string, unknown> = { ...envelope.payload };
  for (const field of fields) payload[field] = sealValue(key, payload[field], additionalData(envelope, field));
  return { ...envelope, payload: payload as P, metadata: { ...envelope.metadata, encryption: { key_id: keyId, fields } } };
}

/** A key the event names is not configured: the consumer's configuration is at fault, not the event. */
export class MissingFieldKeyError extends Error {
  constructor(keyId: string) {
    super(`event sealed with key ${keyId}, which is not among EVENT_ENCRYPTION_KEYS (a rotation must keep old keys listed)`);
    this.name = 'MissingFieldKeyError';
  }
}

export type Opened = { kind: 'opened'; payload: Record<string, unknown>; sealed: string[] } | { kind: 'unreadable'; field: string; reason: string };

/**
 * The payload as this consumer may see it: sealed fields opened for a declared reader holding the
 * keys, left sealed (and listed in `sealed`) for everyone else. An event without
 * `metadata.encryption` (written before its field was restricted) is returned as it is.
 * Throws `MissingFieldKeyError` when a reader lacks the key the event names.
 */
export function openPayload(envelope: Envelope, definition: Pick<EventDefinition, 'restrictedReaders'>, access: FieldAccess | undefined): Opened {
  const encryption = envelope.metadata.encryption;
  if (!encryption || encryption.fields.length === 0) return { kind: 'opened', payload: envelope.payload, sealed: [] };
  for (const field of encryption.fields) {
    if (!sealedValueSchema.safeParse(envelope.payload[field]).success)
      return { kind: 'unreadable', field, reason: 'listed as sealed but holds no sealed value' };
  }
  const reader = access !== undefined && (definition.restrictedReaders ?? []).includes(access.consumer);
  if (!reader) return { kind: 'opened', payload: envelope.payload, sealed: [...encryption.fields] };
  const key = access.keys.key(encryption.key_id);
  if (!key) throw new MissingFieldKeyError(encryption.key_id);
  const payload: Record<string, unknown> = { ...envelope.payload };
  for (const field of encryption.fields) {
    try {
      payload[field] = openValue(key, payload[field] as SealedValue, additionalData(envelope, field));
    } catch {
      return { kind: 'unreadable', field, reason: `does not open with key ${encryption.key_id}` };
    }
  }
  return { kind: 'opened', payload, sealed: [] };
}

const wireSchemas = new WeakMap<object, Map<string, z.ZodObject>>();

/** The payload schema with `sealed` fields taking a sealed value instead of their own type. */
export function wirePayloadSchema(definition: Pick<EventDefinition, 'payload'>, sealed: readonly string[]): z.ZodObject {
  if (sealed.length === 0) return definition.payload;
  const byFields = wireSchemas.get(definition.payload) ?? new Map<string, z.ZodObject>();
  wireSchemas.set(definition.payload, byFields);
  const cacheKey = [...sealed].sort().join(',');
  let schema = byFields.get(cacheKey);
  if (!schema) {
    schema = definition.payload.extend(Object.fromEntries(sealed.map((field) => [field, sealedValueSchema])));
    byFields.set(cacheKey, schema);
  }
  return schema;
}

/**
 * Validates an envelope's payload as it travels, without opening anything: for readers of a topic
 * that never need the restricted values (a replay, an audit).
 */
export function parseWirePayload(definition: Pick<EventDefinition, 'payload'>, envelope: Pick<Envelope, 'payload' | 'metadata'>) {
  return wirePayloadSchema(definition, envelope.metadata.encryption?.fields ?? []).safeParse(envelope.payload);
}

/**
 * The values opened from each delivered message, kept beside it (not in it) while the runtime holds
 * the message, so the dead-letter entry of a reader's failure can drop them from the handler's error
 * text (`scrubOpenedValues`). Keyed weakly: gone with the message.
 */
const openedValues = new WeakMap<object, string[]>();

export function rememberOpenedValues(message: object, payload: Record<string, unknown>, fields: readonly string[]): void {
  const texts = fields.flatMap((field) => {
    const value = payload[field];
    return typeof value === 'string' ? [value] : [JSON.stringify(value)];
  });
  if (texts.length > 0)
    openedValues.set(
      message,
      texts.filter((text) => text.length > 0),
    );
}

export const RESTRICTED_PLACEHOLDER = '[restricted]';

/** `value` with every value opened from `message` replaced by a placeholder in each of its strings. */
export function scrubOpenedValues<T>(message: object, value: T): T {
  const texts = openedValues.get(message);
  if (!texts) return value;
  const scrub = (item: unknown): unknown => {
    if (typeof item === 'string') return texts.reduce((scrubbed, text) => scrubbed.split(text).join(RESTRICTED_PLACEHOLDER), item);
    if (Array.isArray(item)) return item.map(scrub);
    if (item !== null && typeof item === 'object') return Object.fromEntries(Object.entries(item).map(([key, inner]) => [key, scrub(inner)]));
    return item;
  };
  return scrub(value) as T;
}
