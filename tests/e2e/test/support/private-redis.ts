/**
 * A redis-server of the test's own on a free port, for tests that wipe Redis (FLUSHALL): the
 * shared server is never touched. No persistence; stopped (and its data gone) after the test.
 */
import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from '@flash-sale/testkit';

export interface PrivateRedis {
  url: string;
  /** An admin connection to it (FLUSHALL, inspection). */
  client: Redis;
  stop(): Promise<void>;
}

export async function startPrivateRedis(binary = process.env.REDIS_SERVER_BIN ?? 'redis-server'): Promise<PrivateRedis> {
  const port = await freePort();
  const child = spawn(
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes', '--loglevel', 'warning'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  // Not events.once: it rejects on 'error', which is reported below instead.
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const failedToStart = new Promise<never>((_, reject) =>
    child.once('error', (error) => reject(new Error(`cannot start ${binary} (set REDIS_SERVER_BIN to a redis-server binary): ${error.message}`))),
  );
  const url = `redis://127.0.0.1:${port}`;
  const client = new Redis(url, { maxRetriesPerRequest: 3, retryStrategy: (attempt) => (attempt > 50 ? null : 100) });
  // Refused connects while the server starts (and after it stopped) are expected; commands report real failures.
  client.on('error', () => undefined);
  try {
    await Promise.race([client.ping(), failedToStart]);
  } catch (error) {
    client.disconnect();
    process.off('exit', killOnExit);
    throw error;
  }
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
