/**
 * A redis-server of the test's own on a free port, for tests that wipe Redis (FLUSHALL): the
 * shared server is never touched. No persistence; stopped (and its data gone) after the test.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { freePort } from './service-process.ts';

export interface PrivateRedis {
  url: string;
  /** An admin connection to it (FLUSHALL, inspection). */
  client: Redis;
  stop(): Promise<void>;
}

export async function startPrivateRedis(binary = process.env.REDIS_SERVER_BIN ?? 'redis-server'): Promise<PrivateRedis> {
  const port = await freePort();
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes', '--loglevel', 'warning'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = once(child, 'exit');
  const url = `redis://127.0.0.1:${port}`;
  const client = new Redis(url, { maxRetriesPerRequest: 3, retryStrategy: (attempt) => (attempt > 50 ? null : 100) });
  await client.ping();
  return {
    url,
    client,
    async stop() {
      client.disconnect();
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      process.off('exit', killOnExit);
    },
  };
}
