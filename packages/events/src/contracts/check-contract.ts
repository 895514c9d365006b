/**
 * The consumer contract test: a consumer's declared reads against the registry and the topic
 * declarations. It fails when
 * - a declared event type is not registered, or no longer has a declared field (`removed-field`);
 * - a newer version of a declared type (`order.created.v2` beside `.v1`) drops, renames or retypes
 *   a declared field while the consumer has not declared that version: once the producer moves to
 *   it, the consumer's handler would lose what it reads;
 * - the consumer is listed on a topic (`topics.ts`) whose events it does not declare, so it would
 *   receive events it has no contract for, or declares events of a topic it is not listed on
 *   (for a consumer group: a replay's reader is listed nowhere and declares `subscribes: false`).
 * - the consumer reads a restricted field of an event whose `restrictedReaders` does not name it
 *   (it would get the sealed value), or is named there without reading any restricted field of it
 *   (it would hold keys it has no use for).
 * A change inside one version is the schema gate's (committed snapshots); this adds what only the
 * consumers know: which fields matter to whom.
 */
import { z } from 'zod';
import { compareSchemas, type Violation } from '../schema/compatibility.ts';
import type { EventDefinition, EventRegistry } from '../registry.ts';
import type { JsonSchema } from '../schema/snapshot.ts';
import { domainTopics, type TopicDeclaration } from '../topics.ts';
import type { ConsumerContract } from './consumer-contract.ts';

export type ContractViolationRule =
  | 'unknown-type'
  | 'removed-field'
  | 'retyped-field'
  | 'narrowed-enum'
  | 'unlisted-consumer'
  | 'undeclared-event'
  | 'sealed-field'
  | 'needless-restricted-reader';

export interface ContractViolation {
  consumer: string;
  /** The declared type the violation is about. */
  type: string;
  /** The type whose schema breaks the read (the declared one, or a newer version of it). */
  against: string;
  rule: ContractViolationRule;
  field?: string;
  message: string;
}

const propertiesOf = (definition: EventDefinition): Record<string, JsonSchema> => {
  const schema = z.toJSONSchema(definition.payload, { io: 'input' }) as JsonSchema;
  return (schema.properties ?? {}) as Record<string, JsonSchema>;
};

const VERSION = /^(.*)\.v([1-9][0-9]*)$/;
const familyOf = (type: string) => {
  const match = VERSION.exec(type);
  return match ? { family: match[1]!, version: Number(match[2]) } : undefined;
};

const fieldRule = (rule: Violation['rule']): ContractViolationRule | undefined =>
  rule === 'retyped-field' || rule === 'narrowed-enum' || rule === 'removed-field' ? rule : undefined;

export function checkConsumerContract(
  contract: ConsumerContract,
  registry: EventRegistry,
  topics: readonly TopicDeclaration[] = domainTopics,
): ContractViolation[] {
  const consumer = contract.consumer;
  const violations: ContractViolation[] = [];
  const declaredTypes = new Set(Object.keys(contract.reads));

  for (const [type, read] of Object.entries(contract.reads)) {
    const definition = registry.get(type);
    if (!definition) {
      violations.push({ consumer, type, against: type, rule: 'unknown-type', message: `${consumer} reads ${type}, which is not registered` });
      continue;
    }
    const properties = propertiesOf(definition);
    for (const field of read.fields) {
      if (!properties[field])
        violations.push({
          consumer,
          type,
          against: type,
          rule: 'removed-field',
          field,
          message: `${consumer} reads ${field} of ${type}, which ${type} does not have`,
        });
    }
    const restricted = Object.entries(definition.classification)
      .filter(([, level]) => level === 'restricted')
      .map(([field]) => field);
    const opens = (definition.restrictedReaders ?? []).includes(consumer);
    const readsRestricted = read.fields.filter((field) => restricted.includes(field));
    for (const field of readsRestricted) {
      if (!opens)
        violations.push({
          consumer,
          type,
          against: type,
          rule: 'sealed-field',
          field,
          message: `${consumer} reads ${field} of ${type}, which is restricted, but ${type} does not name ${consumer} among its restrictedReaders: it would get the sealed value`,
        });
    }
    if (opens && readsRestricted.length === 0) {
      violations.push({
        consumer,
        type,
        against: type,
        rule: 'needless-restricted-reader',
        message: `${type} names ${consumer} among its restrictedReaders, but ${consumer} reads none of its restricted fields (${restricted.join(', ') || 'none'})`,
      });
    }
    const topic = topics.find((declaration) => declaration.name === definition.topic);
    if (contract.subscribes && !topic?.consumers.includes(consumer)) {
      violations.push({
        consumer,
        type,
        against: type,
        rule: 'unlisted-consumer',
        message: `${consumer} reads ${type}, but topic ${definition.topic} does not list ${consumer} among its consumers`,
      });
    }

    const declared = familyOf(type);
    if (!declared) continue;
    for (const newer of registry.all()) {
      const version = familyOf(newer.type);
      if (!version || version.family !== declared.family || version.version <= declared.version) continue;
      // A consumer that declared the newer version has moved to it; its reads there are checked above.
      if (declaredTypes.has(newer.type)) continue;
      const newerProperties = propertiesOf(newer);
      for (const field of read.fields) {
        const before = properties[field];
        const after = newerProperties[field];
        if (!before) continue;
        if (!after) {
          violations.push({
            consumer,
            type,
            against: newer.type,
            rule: 'removed-field',
            field,
            message: `${consumer} reads ${field} of ${type}; ${newer.type} has no ${field} (removed or renamed) and ${consumer} does not declare ${newer.type}`,
          });
          continue;
        }
        for (const found of compareSchemas(newer.type, before, after, field)) {
          const rule = fieldRule(found.rule);
          if (rule)
            violations.push({
              consumer,
              type,
              against: newer.type,
              rule,
              field,
              message: `${consumer} reads ${field} of ${type}; in ${newer.type}: ${found.message}`,
            });
        }
      }
    }
  }

  for (const topic of topics) {
    if (!contract.subscribes || !topic.consumers.includes(consumer)) continue;
    const carried = registry.all().filter((definition) => definition.topic === topic.name);
    for (const definition of carried) {
      if (declaredTypes.has(definition.type)) continue;
      violations.push({
        consumer,
        type: definition.type,
        against: definition.type,
        rule: 'undeclared-event',
        message: `${consumer} is a consumer of ${topic.name} but declares no reads of ${definition.type}`,
      });
    }
  }
  return violations;
}
