// The inventory consumer's drain rate in `npm run bench`: services/inventory/bench/consumer-drain.bench.ts
// run as a child process (its own database, Redis prefix and topics), its closing JSON line read back.
// It compares one event per MySQL transaction, chunks of events per transaction, and chunks whose
// `order.created` go through the batch handler, in interleaved rounds of the same minute.
import { spawn } from 'node:child_process';
import { repoRoot } from './support/processes.ts';

export interface ConsumerDrainFigures {
  consumer_one_per_tx_events_per_s?: number;
  consumer_chunked_events_per_s?: number;
  consumer_batched_events_per_s?: number;
  consumer_chunked_vs_one_per_tx?: number;
  consumer_batched_vs_one_per_tx?: number;
}

export async function measureConsumerDrain(options: { rounds: number; say: (line: string) => void }): Promise<ConsumerDrainFigures> {
  const child = spawn(process.execPath, [`${repoRoot}services/inventory/bench/consumer-drain.bench.ts`], {
    cwd: repoRoot,
    env: { ...process.env, BENCH_DRAIN_ROUNDS: String(options.rounds) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    output += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const lines = output.trim().split('\n');
  for (const line of lines.slice(0, -1)) options.say(line);
  if (code !== 0) {
    options.say(`  consumer drain bench exited with ${code}; its figures are left out`);
    return {};
  }
  return JSON.parse(lines.at(-1) ?? '{}') as ConsumerDrainFigures;
}
