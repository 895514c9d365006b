/**
 * One real service process (`node services/<name>/src/main.ts`) on its own port, with every
 * stdout line kept so a test can read the service's pino JSON logs.
 */
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startNodeProcess } from '@flash-sale/testkit';

export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

export interface LogLine {
  raw: string;
  json: Record<string, unknown> | undefined;
}

export interface ServiceProcess {
  name: string;
  url: string;
  lines: LogLine[];
  /** The last lines, stdout and stderr, for a failure message. */
  tail(count?: number): string;
  /** How the process ended (`exit code 1`, `signal SIGKILL`), or undefined while it runs. */
  ended(): string | undefined;
  stop(): Promise<void>;
}

export async function startService(name: string, port: number, env: Record<string, string>): Promise<ServiceProcess> {
  const running = await startNodeProcess({
    script: `services/${name}/src/main.ts`,
    cwd: repoRoot,
    port,
    env: { NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const child = running.child;
  const lines: LogLine[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (raw) => {
    let json: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (parsed && typeof parsed === 'object') json = parsed as Record<string, unknown>;
    } catch {
      json = undefined;
    }
    lines.push({ raw, json });
  });
  createInterface({ input: child.stderr! }).on('line', (raw) => stderr.push(raw));
  let ended: string | undefined;
  child.once('exit', (code, signal) => {
    ended = signal ? `signal ${signal}` : `exit code ${String(code)}`;
  });

  return {
    name,
    url: running.url,
    lines,
    tail: (count = 30) => [...lines.slice(-count).map((line) => line.raw), ...stderr.slice(-count).map((line) => `stderr: ${line}`)].join('\n'),
    ended: () => ended,
    stop: running.stop,
  };
}
