/**
 * Decodes a Kafka message into a validated envelope: the bytes must be JSON, the JSON an envelope
 * (docs/eventing.md, "The envelope"), its type registered and its payload valid against the
 * registry. Anything else is a poison pill: no retry can fix it, so it is quarantined at once
 * instead of holding the partition.
 */
import type { ReceivedMessage } from '../transport/messages.ts';
import { openPayload, rememberOpenedValues, wirePayloadSchema } from '../crypto/field-encryption.ts';
import { envelopeSchema, type Envelope } from '../envelope.ts';
import type { EventDefinition, EventRegistry } from '../registry.ts';
import { errorContract, type ErrorContract } from './errors.ts';

export type Decoded = { kind: 'event'; envelope: Envelope; definition: EventDefinition } | { kind: 'poison'; contract: ErrorContract; eventType?: string };

/** Issue paths and messages only: zod issues never carry the offending values into our errors. */
const issuesOf = (issues: readonly { path: readonly PropertyKey[]; message: string; code?: string }[]) =>
  issues.map((issue) => ({ path: issue.path.map(String).join('.'), code: issue.code, message: issue.message }));

export function decodeMessage(message: Pick<ReceivedMessage, 'value'>, registry: EventRegistry): Decoded {
  if (!message.value || message.value.length === 0) {
    return { kind: 'poison', contract: errorContract('EMPTY_MESSAGE', 'message has no value') };
  }
  let json: unknown;
  try {
    json = JSON.parse(message.value.toString('utf8'));
  } catch (error) {
    return { kind: 'poison', contract: errorContract('MALFORMED_JSON', 'message value is not JSON', { reason: (error as Error).message }) };
  }
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) {
    const type = (json as { type?: unknown } | null)?.type;
    return {
      kind: 'poison',
      contract: errorContract('INVALID_ENVELOPE', 'message is not a valid event envelope', { issues: issuesOf(envelope.error.issues) }),
      ...(typeof type === 'string' ? { eventType: type } : {}),
    };
  }
  const definition = registry.get(envelope.data.type);
  if (!definition) {
    return {
      kind: 'poison',
      contract: errorContract('UNKNOWN_EVENT_TYPE', `event type ${envelope.data.type} is not registered`, { type: envelope.data.type }),
      eventType: envelope.data.type,
    };
  }
  // Restricted fields open only for a declared reader (`registry.forConsumer`); others get them sealed.
  const opened = openPayload(envelope.data, definition, registry.fieldAccess);
  if (opened.kind === 'unreadable') {
    return {
      kind: 'poison',
      contract: errorContract('UNREADABLE_RESTRICTED_FIELD', `a sealed field of ${definition.type} cannot be read`, {
        type: definition.type,
        field: opened.field,
        reason: opened.reason,
      }),
      eventType: definition.type,
    };
  }
  const payload = wirePayloadSchema(definition, opened.sealed).safeParse(opened.payload);
  if (!payload.success) {
    return {
      kind: 'poison',
      contract: errorContract('INVALID_PAYLOAD', `payload does not match ${definition.type}`, {
        type: definition.type,
        issues: issuesOf(payload.error.issues),
      }),
      eventType: definition.type,
    };
  }
  const openedFields = (envelope.data.metadata.encryption?.fields ?? []).filter((field) => !opened.sealed.includes(field));
  rememberOpenedValues(message, payload.data, openedFields);
  return { kind: 'event', envelope: { ...envelope.data, payload: payload.data }, definition };
}
