/**
 * The keys that seal restricted event fields (docs/eventing.md, "Classification").
 *
 *   EVENT_ENCRYPTION_KEYS=<key id>:<base64 of 32 bytes>[,<key id>:<base64>…]
 *   EVENT_ENCRYPTION_KEY_ID=<key id>   the key new events are sealed with
 *
 * Rotation: add the new key to the list everywhere, then point EVENT_ENCRYPTION_KEY_ID at it; keep
 * the old key listed for as long as events sealed with it are retained (topics, dead-letter and
 * quarantine copies, replays), since each event names the key it was sealed with.
 */
import { z } from 'zod';
import type { ServiceName } from '../topics.ts';

export const KEY_BYTES = 32;
const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export class FieldKeyring {
  readonly activeKeyId: string;
  readonly #keys: ReadonlyMap<string, Buffer>;

  constructor(keys: ReadonlyMap<string, Buffer>, activeKeyId: string) {
    for (const [id, key] of keys) {
      if (!KEY_ID_PATTERN.test(id)) throw new Error(`event encryption key id ${JSON.stringify(id)} must be 1-64 letters, digits, ".", "_" or "-"`);
      if (key.length !== KEY_BYTES) throw new Error(`event encryption key ${id} must be ${KEY_BYTES} bytes (AES-256), not ${key.length}`);
    }
    if (!keys.has(activeKeyId)) throw new Error(`EVENT_ENCRYPTION_KEY_ID ${activeKeyId} is not among EVENT_ENCRYPTION_KEYS`);
    this.#keys = new Map(keys);
    this.activeKeyId = activeKeyId;
  }

  /** Parses the two settings above; throws with a message that never holds key material. */
  static parse(keys: string, activeKeyId: string): FieldKeyring {
    const entries = new Map<string, Buffer>();
    for (const item of keys
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean)) {
      const colon = item.indexOf(':');
      if (colon <= 0) throw new Error('EVENT_ENCRYPTION_KEYS must be <key id>:<base64 key>[,…]');
      const id = item.slice(0, colon);
      if (entries.has(id)) throw new Error(`EVENT_ENCRYPTION_KEYS lists key ${id} twice`);
      entries.set(id, Buffer.from(item.slice(colon + 1), 'base64'));
    }
    if (entries.size === 0) throw new Error('EVENT_ENCRYPTION_KEYS lists no key');
    return new FieldKeyring(entries, activeKeyId);
  }

  get active(): { id: string; key: Buffer } {
    return { id: this.activeKeyId, key: this.#keys.get(this.activeKeyId)! };
  }

  key(id: string): Buffer | undefined {
    return this.#keys.get(id);
  }

  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }
}

const unsetWhenEmpty = <S extends z.ZodType>(schema: S) => z.preprocess((value) => (value === '' ? undefined : value), schema);

/**
 * Spread into a service's config schema. Optional here because only the services that produce or
 * read restricted fields need them, which the catalog knows (`fieldKeysFor`), not the schema. Kept
 * as strings so the `local-only` refusal of production configs sees the committed dev keys.
 */
export const eventEncryptionConfig = {
  EVENT_ENCRYPTION_KEYS: unsetWhenEmpty(
    z
      .string()
      .refine((value) => {
        try {
          FieldKeyring.parse(value, value.split(':')[0] ?? '');
          return true;
        } catch {
          return false;
        }
      }, `must be <key id>:<base64 of ${KEY_BYTES} bytes>[,…]`)
      .optional(),
  ),
  EVENT_ENCRYPTION_KEY_ID: unsetWhenEmpty(z.string().regex(KEY_ID_PATTERN, 'letters, digits, ".", "_" or "-"').optional()),
};

export interface EventEncryptionSettings {
  NODE_ENV?: string;
  EVENT_ENCRYPTION_KEYS?: string | undefined;
  EVENT_ENCRYPTION_KEY_ID?: string | undefined;
}

export class FieldKeysConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FieldKeysConfigError';
  }
}

/**
 * The keyring from a parsed config. `required` (from `registry.needsFieldKeys(service)`): a service
 * that produces or reads restricted fields does not start without keys, except under
 * `NODE_ENV=test`, where harnesses that build a service without keys get restricted fields written
 * in clear (the consumers accept that form: it is also what events from before a field was
 * restricted look like).
 */
export function loadFieldKeys(settings: EventEncryptionSettings, required: boolean): FieldKeyring | undefined {
  const { EVENT_ENCRYPTION_KEYS: keys, EVENT_ENCRYPTION_KEY_ID: activeKeyId } = settings;
  if (keys === undefined && activeKeyId === undefined) {
    if (required && settings.NODE_ENV !== 'test') {
      throw new FieldKeysConfigError('EVENT_ENCRYPTION_KEYS and EVENT_ENCRYPTION_KEY_ID: required, this service writes or reads restricted event fields');
    }
    return undefined;
  }
  if (keys === undefined) throw new FieldKeysConfigError('EVENT_ENCRYPTION_KEYS: required when EVENT_ENCRYPTION_KEY_ID is set');
  if (activeKeyId === undefined)
    throw new FieldKeysConfigError('EVENT_ENCRYPTION_KEY_ID: required when EVENT_ENCRYPTION_KEYS is set (the key new events are sealed with)');
  try {
    return FieldKeyring.parse(keys, activeKeyId);
  } catch (error) {
    throw new FieldKeysConfigError(`EVENT_ENCRYPTION_KEYS: ${(error as Error).message}`);
  }
}

/** `loadFieldKeys` for `main.ts`: a readable line and exit 78 (EX_CONFIG), like the config loader. */
export function loadFieldKeysOrExit(settings: EventEncryptionSettings, required: boolean): FieldKeyring | undefined {
  try {
    return loadFieldKeys(settings, required);
  } catch (error) {
    if (!(error instanceof FieldKeysConfigError)) throw error;
    process.stderr.write(`invalid configuration:\n  - ${error.message}\n`);
    process.exit(78);
  }
}

/** Who opens sealed fields: a consumer the catalog names as a reader of the event's restricted fields, with the keys. */
export interface FieldAccess {
  consumer: ServiceName;
  keys: FieldKeyring;
}
