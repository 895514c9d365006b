/**
 * Verifies `Provider-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` over `"{t}.{raw body}"`.
 * The raw bytes are what was signed: re-serialized JSON differs in whitespace or key order and
 * must fail. Several secrets may be active at once so a rotation never rejects a valid webhook.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureFailure = 'MISSING_SIGNATURE' | 'MALFORMED_SIGNATURE' | 'TIMESTAMP_OUT_OF_TOLERANCE' | 'SIGNATURE_MISMATCH';

export type SignatureCheck = { ok: true; signedAt: Date } | { ok: false; reason: SignatureFailure };

export interface VerifyOptions {
  header: string | undefined;
  rawBody: Buffer;
  secrets: readonly string[];
  now: Date;
  toleranceSeconds: number;
}

function parseHeader(header: string): { timestamp: number; signatures: Buffer[] } | undefined {
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === 't' && value && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    // A provider may send several v1 values while it rotates its own signing secret.
    if (key === 'v1' && value && /^[0-9a-f]{64}$/i.test(value)) signatures.push(Buffer.from(value, 'hex'));
  }
  return timestamp === undefined || signatures.length === 0 ? undefined : { timestamp, signatures };
}

export function verifyProviderSignature(options: VerifyOptions): SignatureCheck {
  if (!options.header) return { ok: false, reason: 'MISSING_SIGNATURE' };
  const parsed = parseHeader(options.header);
  if (!parsed) return { ok: false, reason: 'MALFORMED_SIGNATURE' };
  const ageSeconds = options.now.getTime() / 1000 - parsed.timestamp;
  // Both directions: an old signature may be a replay, a far-future one a forged clock.
  if (Math.abs(ageSeconds) > options.toleranceSeconds) return { ok: false, reason: 'TIMESTAMP_OUT_OF_TOLERANCE' };
  const signedPayload = Buffer.concat([Buffer.from(`${parsed.timestamp}.`), options.rawBody]);
  let matched = false;
  // Every secret is tried even after a match, so timing does not reveal which one is active.
  for (const secret of options.secrets) {
    const expected = createHmac('sha256', secret).update(signedPayload).digest();
    for (const candidate of parsed.signatures) {
      if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) matched = true;
    }
  }
  return matched ? { ok: true, signedAt: new Date(parsed.timestamp * 1000) } : { ok: false, reason: 'SIGNATURE_MISMATCH' };
}
