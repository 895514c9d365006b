/**
 * The schema registry, in code: every event type is registered once with its payload schema,
 * owning service, topic, partition-key rule and the payload fields that are PII. Producers and
 * consumers validate against it; the compatibility gate compares it with committed snapshots.
 */
import type { z } from 'zod';
import { EVENT_TYPE_PATTERN } from './envelope.ts';
import type { ServiceName } from './topics.ts';

export interface EventDefinition<S extends z.ZodObject = z.ZodObject> {
  type: string;
  topic: string;
  owner: ServiceName;
  description: string;
  payload: S;
  /** The ordering boundary: events with the same key land on one partition, in order. */
  partitionKey: (payload: z.output<S>) => string;
  /** Payload fields holding personal data: redacted from logs, flagged in the snapshots. */
  pii: readonly (keyof z.output<S> & string)[];
}

export type PayloadOf<D> = D extends EventDefinition<infer S> ? z.output<S> : never;

export function defineEvent<S extends z.ZodObject>(definition: EventDefinition<S>): EventDefinition<S> {
  if (!EVENT_TYPE_PATTERN.test(definition.type)) throw new Error(`event type ${definition.type} must be dotted lower-case with a .vN suffix`);
  const typeVersion = definition.type.split('.').pop();
  const topicVersion = definition.topic.split('.').pop();
  if (typeVersion !== topicVersion) throw new Error(`event ${definition.type} and topic ${definition.topic} disagree on the version`);
  return definition;
}

export class EventRegistry {
  readonly #byType = new Map<string, EventDefinition>();

  constructor(definitions: readonly EventDefinition[]) {
    for (const definition of definitions) {
      if (this.#byType.has(definition.type)) throw new Error(`event type ${definition.type} registered twice`);
      this.#byType.set(definition.type, definition);
    }
  }

  get(type: string): EventDefinition | undefined {
    return this.#byType.get(type);
  }

  all(): EventDefinition[] {
    return [...this.#byType.values()];
  }

  /** Log redaction paths for every PII field, as pino expects them. */
  redactionPaths(): string[] {
    const fields = new Set(this.all().flatMap((definition) => definition.pii));
    return [...fields].flatMap((field) => [`payload.${field}`, `event.payload.${field}`, `*.payload.${field}`]);
  }
}
