/**
 * A short chaos run with a fixed seed, as `npm run chaos` does it: its own MariaDB, Redis and Kafka
 * on free ports, every service as a process, a k6 sale with retrying clients while the seed's
 * faults land (in 90 s, seed 7 kills the Kafka broker and the reconciler and pauses the inventory
 * service twice and the payment service once), then every invariant.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const SEED = 7;

t.test('a chaos run that kills the Kafka broker and pauses the consumers mid-sale ends with every invariant PASS and nothing left running', async (t) => {
  const child = spawn(process.execPath, ['tests/chaos/src/run-chaos.ts'], {
    cwd: repoRoot,
    // The single topology's run, whichever topology the suite runs on: the cluster's run (nine
    // server processes, eight services) does not fit the two minutes this test has.
    env: {
      ...process.env,
      STACK_TOPOLOGY: 'single',
      CHAOS_SEED: String(SEED),
      CHAOS_SECONDS: process.env.CHAOS_TEST_SECONDS ?? '90',
      CHAOS_RATE: process.env.CHAOS_TEST_RATE ?? '10',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  const lines = output.split('\n');

  t.equal(lines[0], `chaos seed ${SEED}`, 'the seed is the first line');
  t.match(output, /\+8s\s+SIGKILL\+restart\s+kafka/, 'the schedule drawn from the seed is printed');
  t.match(output, /SIGKILL kafka \(pid \d+\)/, 'the broker was killed during the sale');
  const verdicts = lines.filter((line) => /^(PASS|FAIL) {2}/.test(line));
  t.ok(verdicts.length >= 13, `every invariant has a verdict line (${verdicts.length})`);
  t.same(
    verdicts.filter((line) => line.startsWith('FAIL')),
    [],
    'no invariant failed',
  );
  t.match(output, new RegExp(`PASS {2}chaos seed ${SEED}: all \\d+ invariants hold`), 'the closing line says every invariant holds');
  // The run's own output, only shown when the run fails.
  t.equal(code, 0, 'the run exits 0', { output: output.slice(-6000) });

  const dataDir = /private servers under (\S+):/.exec(output)?.[1];
  t.ok(dataDir, 'the run names its data folder');
  t.notOk(dataDir && existsSync(dataDir), 'the private servers were stopped and their data removed');
});
