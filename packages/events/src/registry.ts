/**
 * The schema registry, in code: every event type is registered once with its payload schema,
 * owning service, topic, partition-key rule and the classification of every payload field.
 * Producers and consumers validate against it; the compatibility gate compares it with committed
 * snapshots.
 */
import type { z } from 'zod';
import type { FieldAccess, FieldKeyring } from './crypto/field-keys.ts';
import { EVENT_TYPE_PATTERN } from './envelope.ts';
import type { ServiceName } from './topics.ts';

export {
  FieldKeyring,
  FieldKeysConfigError,
  eventEncryptionConfig,
  loadFieldKeys,
  loadFieldKeysOrExit,
  type EventEncryptionSettings,
} from './crypto/field-keys.ts';

/**
 * How far a payload field may travel (docs/eventing.md, "Classification"):
 * - `public`: shown to anyone (sale and SKU ids, a sale price);
 * - `internal`: our own ids and bookkeeping, for our services and ops;
 * - `personal`: about one person; redacted from logs;
 * - `restricted`: personal data whose leak does harm on its own; sealed in the payload
 *   (AES-256-GCM) and opened only by the consumers named in `restrictedReaders`.
 */
export const CLASSIFICATIONS = ['public', 'internal', 'personal', 'restricted'] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];

export interface EventDefinition<S extends z.ZodObject = z.ZodObject> {
  type: string;
  topic: string;
  owner: ServiceName;
  description: string;
  payload: S;
  /** The ordering boundary: events with the same key land on one partition, in order. */
  partitionKey: (payload: z.output<S>) => string;
  /** Every payload field's classification; the schema gate fails on a field without one. */
  classification: { readonly [K in keyof z.output<S> & string]: Classification };
  /** The consumers that get this event's restricted fields opened; every other one sees them sealed. */
  restrictedReaders?: readonly ServiceName[];
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
  /** Set on a consumer's view (`forConsumer`): which sealed fields it may open, and with what keys. */
  readonly fieldAccess: FieldAccess | undefined;

  constructor(definitions: readonly EventDefinition[], fieldAccess?: FieldAccess) {
    for (const definition of definitions) {
      if (this.#byType.has(definition.type)) throw new Error(`event type ${definition.type} registered twice`);
      this.#byType.set(definition.type, definition);
    }
    this.fieldAccess = fieldAccess;
  }

  /**
   * The registry as `consumer` decodes with it (the consumer runtime's `registry` option): the
   * restricted fields of events naming it in `restrictedReaders` arrive opened, others sealed.
   */
  forConsumer(consumer: ServiceName, keys: FieldKeyring | undefined): EventRegistry {
    return new EventRegistry(this.all(), keys ? { consumer, keys } : undefined);
  }

  /** The fields of `level` across the catalog, as `type.field`. */
  fieldsClassified(level: Classification): string[] {
    return this.all().flatMap((definition) =>
      Object.entries(definition.classification)
        .filter(([, classified]) => classified === level)
        .map(([field]) => `${definition.type}.${field}`),
    );
  }

  /**
   * Whether `service` must hold the event encryption keys: it produces an event with a restricted
   * field, or is named to read one.
   */
  needsFieldKeys(service: ServiceName): boolean {
    return this.all().some(
      (definition) =>
        Object.values(definition.classification).includes('restricted') &&
        (definition.owner === service || (definition.restrictedReaders ?? []).includes(service)),
    );
  }

  get(type: string): EventDefinition | undefined {
    return this.#byType.get(type);
  }

  all(): EventDefinition[] {
    return [...this.#byType.values()];
  }

  /** Log redaction paths for every personal and restricted field, as pino expects them. */
  redactionPaths(): string[] {
    const fields = new Set(
      this.all().flatMap((definition) =>
        Object.entries(definition.classification)
          .filter(([, level]) => level === 'personal' || level === 'restricted')
          .map(([field]) => field),
      ),
    );
    return [...fields].flatMap((field) => [`payload.${field}`, `event.payload.${field}`, `*.payload.${field}`]);
  }
}
