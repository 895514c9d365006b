import { spawnSync } from 'node:child_process';

const root = new URL('../../../', import.meta.url).pathname;

/**
 * The variables infra/local/env.sh exports for a topology, read from a shell that sourced it: turbo
 * hands a test only the variables turbo.json names, and the stack's addresses and credentials are many.
 */
export function stackEnvironment(topology: string): Record<string, string> {
  const result = spawnSync('bash', ['-c', 'source infra/local/env.sh && env -0'], {
    cwd: root,
    env: { HOME: process.env.HOME ?? '/root', PATH: process.env.PATH ?? '/usr/bin:/bin', STACK_TOPOLOGY: topology },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`infra/local/env.sh failed for ${topology}: ${result.stderr}`);
  return Object.fromEntries(
    result.stdout
      .split('\0')
      .filter(Boolean)
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}
