import t from 'tap';
import { decodeKeysetCursor, encodeKeysetCursor, keysetCursorParam, pageLimitParam } from '../src/keyset-cursor.ts';

t.test('a cursor gives back the position it was made from, and nothing else', async (t) => {
  for (const position of [
    { at: 0, id: 'a' },
    { at: 1_893_499_200_000_123, id: '0b7c6f7e-2f5c-4d8e-9a51-0e3c2b1f8d11' },
  ]) {
    const cursor = encodeKeysetCursor(position);
    t.match(cursor, /^[A-Za-z0-9_-]+$/, 'URL-safe as it is');
    t.same(decodeKeysetCursor(cursor), position);
    t.same(keysetCursorParam.parse(cursor), position);
  }
  const made = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  for (const forged of [
    '',
    'not base64!',
    made({ offset: 10 }),
    made([1]),
    made([-1, 'a']),
    made([1.5, 'a']),
    made(['1', 'a']),
    made([1, '']),
    made([1, 'has space']),
    made([1, 'a'.repeat(65)]),
    made([2 ** 53, 'a']),
    'x'.repeat(201),
  ]) {
    t.equal(decodeKeysetCursor(forged), undefined, JSON.stringify(forged.slice(0, 40)));
    t.notOk(keysetCursorParam.safeParse(forged).success);
  }
});

t.test('a limit is digits from 1 to its maximum; absent is left to the route', async (t) => {
  const limit = pageLimitParam(100);
  t.equal(limit.parse('1'), 1);
  t.equal(limit.parse('100'), 100);
  t.equal(limit.parse(undefined), undefined);
  for (const bad of ['0', '101', '', ' 5', '-1', '1e1', '2.5', '0x10', 'abc']) t.notOk(limit.safeParse(bad).success, JSON.stringify(bad));
});
