/**
 * The registry's committed form: one JSON document per event type with its owner, topic, the
 * consumers of its restricted fields and its payload JSON Schema, each property carrying its
 * classification as `x-classification`. `schema:snapshot` writes them; the gate compares today's
 * registry with them and refuses a property without a classification.
 */
import { z } from 'zod';
import type { EventDefinition, EventRegistry } from '../registry.ts';

export type JsonSchema = { [key: string]: unknown };

export interface SchemaSnapshot {
  type: string;
  owner: string;
  topic: string;
  description: string;
  /** Consumers that get the restricted fields opened (absent when the event has none). */
  restricted_readers?: string[];
  payload: JsonSchema;
}

export const CLASSIFICATION_KEY = 'x-classification';

export function snapshotOf(definition: EventDefinition): SchemaSnapshot {
  // `input`: what a producer may send and a consumer must accept, optional fields included.
  const payload = z.toJSONSchema(definition.payload, { io: 'input' }) as JsonSchema;
  const properties = payload.properties as Record<string, JsonSchema> | undefined;
  const classification = definition.classification as Readonly<Record<string, string | undefined>>;
  for (const [field, property] of Object.entries(properties ?? {})) {
    const level = classification[field];
    if (level !== undefined) property[CLASSIFICATION_KEY] = level;
  }
  const readers = [...(definition.restrictedReaders ?? [])].sort();
  return {
    type: definition.type,
    owner: definition.owner,
    topic: definition.topic,
    description: definition.description,
    ...(readers.length > 0 ? { restricted_readers: readers } : {}),
    payload,
  };
}

export function snapshotsOf(registry: EventRegistry): SchemaSnapshot[] {
  return registry
    .all()
    .map(snapshotOf)
    .sort((a, b) => a.type.localeCompare(b.type));
}

/** Stable text form, so an unchanged schema leaves the committed file byte-identical. */
export const renderSnapshot = (snapshot: SchemaSnapshot) => `${JSON.stringify(snapshot, null, 2)}\n`;
