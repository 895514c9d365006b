/**
 * What a client sends to Redis, seen by MONITOR on every master (on a cluster a call may go to any
 * of them). Commands a script runs are reported too, with `lua` as their source; only the
 * client's own calls are kept. `settled()` waits until every master has reported a probe sent
 * after the calls of interest, so nothing sent before it is still on its way.
 */
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '@flash-sale/service-kit';
import { Cluster } from 'ioredis';
import type { Teardown } from './isolation.ts';
import { waitFor } from './wait-for.ts';

export interface RedisCallLog {
  /** Each call as its arguments joined by spaces, in the order the masters reported them. */
  calls: string[];
  settled: () => Promise<void>;
}

export async function watchRedisCalls(teardown: Teardown, redis: RedisClient): Promise<RedisCallLog> {
  const calls: string[] = [];
  const masters = redis instanceof Cluster ? redis.nodes('master') : [redis];
  for (const node of masters) {
    const monitor = await node.monitor();
    teardown(() => monitor.disconnect());
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source !== 'lua') calls.push(args.join(' '));
    });
  }
  return {
    calls,
    async settled() {
      // Commands queued by auto-pipelining go out on the next tick: let them leave before the probe.
      await new Promise((resolve) => setImmediate(resolve));
      const probe = `monitor-probe-${randomUUID()}`;
      await Promise.all(masters.map((node) => node.echo(probe)));
      await waitFor(() => calls.filter((call) => call.includes(probe)).length >= masters.length, { what: 'every monitor sees the probe' });
    },
  };
}
