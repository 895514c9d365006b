import { spawn } from 'node:child_process';
import { once } from 'node:events';
import t from 'tap';

const fixture = new URL('./fixtures/graceful-server.ts', import.meta.url).pathname;

/** Starts the fixture, sends `signals` 50 ms apart once it listens, and returns its exit code and output. */
async function shutDownWith(signals: NodeJS.Signals[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [fixture], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  const ready = new Promise<void>((resolve) =>
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('ready\n')) resolve();
    }),
  );
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  await ready;
  for (const signal of signals) {
    child.kill(signal);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const [code] = await exited;
  return { code, output };
}

t.test('SIGTERM closes every resource and exits 0', async (t) => {
  const { code, output } = await shutDownWith(['SIGTERM']);
  t.equal(code, 0);
  t.match(output, /closed/);
});

t.test('Ctrl-C under npm start reaches a service twice (terminal and concurrently): the second SIGINT does not cut the close short', async (t) => {
  const { code, output } = await shutDownWith(['SIGINT', 'SIGINT']);
  t.equal(code, 0, 'exit 0, not the immediate exit 1 of a second signal');
  t.match(output, /closed/, 'the slow closer finished');
});

t.test('a SIGINT after a SIGTERM does not start a second close: each resource closes once', async (t) => {
  const { code, output } = await shutDownWith(['SIGTERM', 'SIGINT']);
  t.equal(code, 0);
  t.equal(output.match(/closing/g)?.length, 1, 'the slow closer started once');
  t.equal(output.match(/closed/g)?.length, 1, 'and finished once');
});
