/**
 * One real service process (`node services/<name>/src/main.ts`) on its own port, with every
 * stdout line kept so a test can read the service's pino JSON logs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

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
  stop(): Promise<void>;
}

export function startService(name: string, port: number, env: Record<string, string>): ServiceProcess {
  const child: ChildProcess = spawn(process.execPath, [`services/${name}/src/main.ts`], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
  // Should the test process end without its teardown (killed at a timeout), take the service along.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      process.off('exit', killOnExit);
      resolve();
    }),
  );

  return {
    name,
    url: `http://127.0.0.1:${port}`,
    lines,
    tail: (count = 30) =>
      [...lines.slice(-count).map((line) => line.raw), ...stderr.slice(-count).map((line) => `stderr: ${line}`)].join('\n'),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      // Graceful shutdown closes HTTP, consumers and pools; a process that hangs is killed.
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
