/**
 * The schema compatibility rules of the gate, as pure functions over JSON Schema.
 *
 * "Compatible" means both ways for the fields that exist: consumers built on the new schema must
 * read old events (replays six months back), and consumers still on the old schema must read new
 * events. So: no removed field, no retyped field, no new required field, no narrowed enum. Adding an
 * optional field or widening an enum passes. A breaking change ships as a new `.vN` type instead.
 */
import { CLASSIFICATIONS } from '../registry.ts';
import { CLASSIFICATION_KEY, type JsonSchema, type SchemaSnapshot } from './snapshot.ts';

export type ViolationRule =
  | 'removed-field'
  | 'retyped-field'
  | 'new-required-field'
  | 'narrowed-enum'
  | 'removed-type'
  | 'moved-topic'
  | 'missing-snapshot'
  | 'unclassified-field'
  | 'reclassified-field';

export interface Violation {
  type: string;
  rule: ViolationRule;
  /** Dotted path inside the payload ('' for the event type itself). */
  path: string;
  message: string;
}

const asSchema = (value: unknown): JsonSchema | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonSchema) : undefined;

const members = (schema: JsonSchema): JsonSchema[] => {
  const union = (schema.anyOf ?? schema.oneOf) as unknown[] | undefined;
  return union ? union.map(asSchema).filter((member): member is JsonSchema => member !== undefined) : [schema];
};

/** The JSON types a schema admits; undefined when it admits anything. */
function typesOf(schema: JsonSchema): Set<string> | undefined {
  const types = new Set<string>();
  for (const member of members(schema)) {
    if (member.const !== undefined) types.add(member.const === null ? 'null' : typeof member.const === 'number' ? 'number' : typeof member.const);
    else if (typeof member.type === 'string') types.add(member.type);
    else if (Array.isArray(member.type)) for (const type of member.type) types.add(String(type));
    else if (Array.isArray(member.enum)) for (const value of member.enum as unknown[]) types.add(value === null ? 'null' : typeof value);
    else return undefined;
  }
  return types;
}

/** `integer` is a subset of `number`: widening integer to number is fine, the reverse is not. */
const admits = (types: Set<string>, type: string) => types.has(type) || (type === 'integer' && types.has('number'));

/** The allowed values when the schema is an enumeration (enum or const); undefined otherwise. */
function valuesOf(schema: JsonSchema): unknown[] | undefined {
  const values: unknown[] = [];
  for (const member of members(schema)) {
    if (Array.isArray(member.enum)) values.push(...(member.enum as unknown[]));
    else if (member.const !== undefined) values.push(member.const);
    else if (member.type === 'null') values.push(null);
    else return undefined;
  }
  return values;
}

const objectMember = (schema: JsonSchema) => members(schema).find((member) => member.type === 'object' || member.properties !== undefined);
const arrayMember = (schema: JsonSchema) => members(schema).find((member) => member.type === 'array');

export function compareSchemas(type: string, before: JsonSchema, after: JsonSchema, path = ''): Violation[] {
  const violations: Violation[] = [];
  const where = path || '(payload)';

  const beforeTypes = typesOf(before);
  const afterTypes = typesOf(after);
  if (beforeTypes && afterTypes) {
    const lost = [...beforeTypes].filter((t) => !admits(afterTypes, t));
    if (lost.length > 0) {
      violations.push({ type, rule: 'retyped-field', path, message: `${where} was ${[...beforeTypes].join('|')}, is now ${[...afterTypes].join('|')}` });
      return violations;
    }
  }
  const formatOf = (schema: JsonSchema) =>
    members(schema)
      .map((member) => member.format)
      .find((format): format is string => typeof format === 'string');
  const beforeFormat = formatOf(before);
  const afterFormat = formatOf(after);
  if (afterFormat !== undefined && afterFormat !== beforeFormat) {
    violations.push({ type, rule: 'retyped-field', path, message: `${where} format changed from ${beforeFormat ?? 'none'} to ${afterFormat}` });
  }

  const afterValues = valuesOf(after);
  if (afterValues) {
    const beforeValues = valuesOf(before);
    const dropped = beforeValues ? beforeValues.filter((value) => !afterValues.some((v) => Object.is(v, value))) : ['(any value)'];
    if (dropped.length > 0) {
      violations.push({ type, rule: 'narrowed-enum', path, message: `${where} no longer accepts ${dropped.map((value) => JSON.stringify(value)).join(', ')}` });
    }
  }

  const beforeObject = objectMember(before);
  const afterObject = objectMember(after);
  if (beforeObject && afterObject) {
    const beforeProps = (asSchema(beforeObject.properties) ?? {}) as Record<string, JsonSchema>;
    const afterProps = (asSchema(afterObject.properties) ?? {}) as Record<string, JsonSchema>;
    const beforeRequired = new Set((beforeObject.required as string[] | undefined) ?? []);
    for (const [name, schema] of Object.entries(beforeProps)) {
      const next = afterProps[name];
      const fieldPath = path ? `${path}.${name}` : name;
      if (!next) violations.push({ type, rule: 'removed-field', path: fieldPath, message: `${fieldPath} was removed` });
      else violations.push(...compareSchemas(type, schema, next, fieldPath));
    }
    for (const name of (afterObject.required as string[] | undefined) ?? []) {
      if (beforeRequired.has(name)) continue;
      const fieldPath = path ? `${path}.${name}` : name;
      const what = beforeProps[name] ? 'became required' : 'is a new required field';
      violations.push({ type, rule: 'new-required-field', path: fieldPath, message: `${fieldPath} ${what}` });
    }
  }

  const beforeArray = arrayMember(before);
  const afterArray = arrayMember(after);
  const beforeItems = beforeArray && asSchema(beforeArray.items);
  const afterItems = afterArray && asSchema(afterArray.items);
  if (beforeItems && afterItems) violations.push(...compareSchemas(type, beforeItems, afterItems, `${path}[]`));

  return violations;
}

const propertiesOf = (snapshot: SchemaSnapshot) => (asSchema(snapshot.payload.properties) ?? {}) as Record<string, JsonSchema>;

/** Every payload field must say how far it may travel (docs/eventing.md, "Classification"). */
export function unclassifiedFields(snapshot: SchemaSnapshot): Violation[] {
  return Object.entries(propertiesOf(snapshot))
    .filter(([, property]) => !(CLASSIFICATIONS as readonly unknown[]).includes(property[CLASSIFICATION_KEY]))
    .map(([field]) => ({
      type: snapshot.type,
      rule: 'unclassified-field' as const,
      path: field,
      message: `${field} has no classification (one of ${CLASSIFICATIONS.join(', ')}) in the catalog`,
    }));
}

/**
 * Sealing a field, or unsealing it, changes what travels: consumers built for the other form break.
 * Moving between the other three levels changes only how the value is handled, and passes.
 */
function reclassifiedFields(before: SchemaSnapshot, after: SchemaSnapshot): Violation[] {
  const afterProps = propertiesOf(after);
  return Object.entries(propertiesOf(before)).flatMap(([field, property]) => {
    const was = property[CLASSIFICATION_KEY];
    const is = afterProps[field]?.[CLASSIFICATION_KEY];
    if (was === undefined || is === undefined || was === is || (was !== 'restricted' && is !== 'restricted')) return [];
    return [
      {
        type: before.type,
        rule: 'reclassified-field' as const,
        path: field,
        message: `${field} was ${JSON.stringify(was)}, is now ${JSON.stringify(is)}: its sealed form changes; ship a new .vN`,
      },
    ];
  });
}

export function compareSnapshots(before: SchemaSnapshot, after: SchemaSnapshot): Violation[] {
  const violations: Violation[] = [];
  if (before.topic !== after.topic) {
    violations.push({
      type: before.type,
      rule: 'moved-topic',
      path: '',
      message: `topic changed from ${before.topic} to ${after.topic}; consumers subscribe by topic`,
    });
  }
  return [...violations, ...compareSchemas(before.type, before.payload, after.payload), ...reclassifiedFields(before, after)];
}

export interface GateResult {
  violations: Violation[];
  /** Types whose snapshot differs in a compatible way: refresh with `schema:snapshot`. */
  stale: string[];
}

/** Compares today's snapshots with the committed ones, by type. */
export function gate(committed: readonly SchemaSnapshot[], current: readonly SchemaSnapshot[]): GateResult {
  const violations: Violation[] = [];
  const stale: string[] = [];
  const currentByType = new Map(current.map((snapshot) => [snapshot.type, snapshot]));
  const committedByType = new Map(committed.map((snapshot) => [snapshot.type, snapshot]));
  for (const before of committed) {
    const after = currentByType.get(before.type);
    if (!after) {
      violations.push({
        type: before.type,
        rule: 'removed-type',
        path: '',
        message: `${before.type} is no longer registered; its consumers and replays still need it`,
      });
      continue;
    }
    const found = compareSnapshots(before, after);
    violations.push(...found);
    if (found.length === 0 && JSON.stringify(before) !== JSON.stringify(after)) stale.push(before.type);
  }
  for (const after of current) {
    violations.push(...unclassifiedFields(after));
    if (!committedByType.has(after.type)) {
      violations.push({
        type: after.type,
        rule: 'missing-snapshot',
        path: '',
        message: `${after.type} has no committed snapshot: run \`pnpm schema:snapshot\` and commit packages/events/schemas/`,
      });
    }
  }
  return { violations, stale };
}
