import t from 'tap';
import { backoffMs } from '../src/infra/webhook-sender.ts';

t.test('retry pauses double from the base and stop at the cap', async (t) => {
  const policy = { baseMs: 500, maxMs: 4000, maxAttempts: 10 };
  t.same(
    [1, 2, 3, 4, 5, 6].map((attempt) => backoffMs(policy, attempt)),
    [500, 1000, 2000, 4000, 4000, 4000],
  );
});
