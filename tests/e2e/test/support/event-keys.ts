/**
 * Keys of the test's own for the restricted event fields (packages/events/src/crypto/field-keys.ts):
 * the services seal and open them as a deployment does, never with a shared local key.
 */
import { randomBytes, randomUUID } from 'node:crypto';

export function eventEncryptionKeys(): { EVENT_ENCRYPTION_KEYS: string; EVENT_ENCRYPTION_KEY_ID: string } {
  const id = `e2e-${randomUUID().slice(0, 8)}`;
  return { EVENT_ENCRYPTION_KEYS: `${id}:${randomBytes(32).toString('base64')}`, EVENT_ENCRYPTION_KEY_ID: id };
}
