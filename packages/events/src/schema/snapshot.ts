/**
 * The registry's committed form: one JSON document per event type with its owner, topic, PII
 * fields and payload JSON Schema (PII properties flagged `x-pii`). `schema:snapshot` writes them;
 * the gate compares today's registry with them.
 */
import { z } from 'zod';
import type { EventDefinition, EventRegistry } from '../registry.ts';

export type JsonSchema = { [key: string]: unknown };

export interface SchemaSnapshot {
  type: string;
  owner: string;
  topic: string;
  description: string;
  pii: string[];
  payload: JsonSchema;
}

export function snapshotOf(definition: EventDefinition): SchemaSnapshot {
  // `input`: what a producer may send and a consumer must accept, optional fields included.
  const payload = z.toJSONSchema(definition.payload, { io: 'input' }) as JsonSchema;
  const properties = payload.properties as Record<string, JsonSchema> | undefined;
  for (const field of definition.pii) {
    const property = properties?.[field];
    if (property) property['x-pii'] = true;
  }
  return {
    type: definition.type,
    owner: definition.owner,
    topic: definition.topic,
    description: definition.description,
    pii: [...definition.pii].sort(),
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
