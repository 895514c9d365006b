/** The MySQL helpers every repository shares (src/sql.ts). */
import t from 'tap';
import { isDuplicateKey, utcDate, utcEpochMs } from '../src/index.ts';

t.test('a DATETIME string of the pools (UTC) is read as UTC, with its fraction', async (t) => {
  t.equal(utcDate('2026-11-30 18:21:13.123456').toISOString(), '2026-11-30T18:21:13.123Z');
  t.equal(utcDate('2026-11-30 18:21:13').toISOString(), '2026-11-30T18:21:13.000Z');
  t.equal(utcEpochMs('1970-01-01 00:00:01'), 1000);
  const date = new Date(5);
  t.equal(utcDate(date), date, 'a Date stays itself');
  t.throws(() => utcDate('yesterday'), /not a DATETIME value/, 'a value that is no date is refused, never an Invalid Date');
});

t.test('only a duplicate-key error is one', async (t) => {
  t.ok(isDuplicateKey(Object.assign(new Error('Duplicate entry'), { code: 'ER_DUP_ENTRY' })));
  t.notOk(isDuplicateKey(Object.assign(new Error('deadlock'), { code: 'ER_LOCK_DEADLOCK' })));
  t.notOk(isDuplicateKey(null));
  t.notOk(isDuplicateKey(undefined));
  t.notOk(isDuplicateKey('ER_DUP_ENTRY'));
});
