import { createHmac } from 'node:crypto';
import t from 'tap';
import { verifyProviderSignature } from '../src/domain/provider-signature.ts';

const now = new Date('2026-01-01T00:00:00Z');
const t0 = Math.floor(now.getTime() / 1000);
const body = Buffer.from('{"id":"evt_1","type":"payment.succeeded"}');
const sign = (secret: string, timestamp: number, bytes: Buffer) => createHmac('sha256', secret).update(`${timestamp}.`).update(bytes).digest('hex');
const verify = (header: string | undefined, rawBody = body, secrets = ['current-secret-0000', 'previous-secret-000']) =>
  verifyProviderSignature({ header, rawBody, secrets, now, toleranceSeconds: 300 });

t.test('a signature with any active secret over the exact bytes is accepted', async (t) => {
  t.match(verify(`t=${t0},v1=${sign('current-secret-0000', t0, body)}`), { ok: true });
  t.match(verify(`t=${t0},v1=${sign('previous-secret-000', t0, body)}`), { ok: true });
  t.match(verify(`t=${t0 - 300},v1=${sign('current-secret-0000', t0 - 300, body)}`), { ok: true }, 'at the tolerance edge');
});

t.test('everything else is refused with a reason', async (t) => {
  t.match(verify(undefined), { ok: false, reason: 'MISSING_SIGNATURE' });
  t.match(verify('v1=abc'), { ok: false, reason: 'MALFORMED_SIGNATURE' });
  t.match(verify(`t=${t0},v1=${sign('wrong-secret-00000', t0, body)}`), { ok: false, reason: 'SIGNATURE_MISMATCH' });
  const tampered = Buffer.from(body);
  tampered[tampered.length - 2] = 'x'.charCodeAt(0);
  t.match(verify(`t=${t0},v1=${sign('current-secret-0000', t0, body)}`, tampered), { ok: false, reason: 'SIGNATURE_MISMATCH' });
  t.match(verify(`t=${t0 - 301},v1=${sign('current-secret-0000', t0 - 301, body)}`), { ok: false, reason: 'TIMESTAMP_OUT_OF_TOLERANCE' });
  t.match(verify(`t=${t0 + 301},v1=${sign('current-secret-0000', t0 + 301, body)}`), { ok: false, reason: 'TIMESTAMP_OUT_OF_TOLERANCE' });
  t.match(verify(`t=${t0 + 1},v1=${sign('current-secret-0000', t0, body)}`), { ok: false, reason: 'SIGNATURE_MISMATCH' }, 'timestamp is signed');
});
