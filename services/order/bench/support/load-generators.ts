/**
 * The two compiled load generators of the bench. wrk (closed model: as fast as the connections
 * go) measures the maximum rate of every target with the same Lua request builder; vegeta (open
 * model: a constant arrival rate whatever the latency, so a slow answer cannot hold the next
 * request back) measures latency at a fixed share of that maximum.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);
const wrkScript = new URL('../wrk-requests.lua', import.meta.url).pathname;

export interface WrkResult {
  perSecond: number;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers outside 2xx/3xx (all of them, for a sold-out run), and transport failures. */
  non2xx: number;
  socketErrors: number;
}

export interface WrkTarget {
  url: string;
  method: 'GET' | 'POST';
  path: string;
  /** `saleId:weight` pairs; none for a bodiless GET. */
  sales?: string[];
}

const toMs = (value: string, unit: string) => Number(value) * ({ us: 0.001, ms: 1, s: 1000 }[unit] ?? Number.NaN);

export function parseWrk(output: string): WrkResult {
  const percentile = (p: string) => {
    const match = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(output);
    return match?.[1] && match[2] ? toMs(match[1], match[2]) : Number.NaN;
  };
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  return {
    perSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? Number.NaN),
    requests: Number(/(\d+) requests in/.exec(output)?.[1] ?? 0),
    p50Ms: percentile('50'),
    p99Ms: percentile('99'),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0),
    socketErrors: socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
  };
}

export async function wrk(target: WrkTarget, options: { seconds: number; connections: number; threads: number; tokensFile: string }): Promise<WrkResult> {
  const threads = Math.max(1, Math.min(options.threads, options.connections));
  const args = [
    `-t${threads}`,
    `-c${options.connections}`,
    `-d${options.seconds}s`,
    '--timeout',
    '10s',
    '--latency',
    '-s',
    wrkScript,
    target.url,
    '--',
    options.tokensFile,
    target.method,
    target.path,
    ...(target.sales ?? []),
  ];
  const { stdout } = await run(process.env.WRK_BIN ?? 'wrk', args, { maxBuffer: 1024 * 1024 });
  const result = parseWrk(stdout);
  if (!Number.isFinite(result.perSecond)) throw new Error(`could not read wrk's output:\n${stdout}`);
  return result;
}

export interface OpenModelResult {
  targetPerSecond: number;
  /** What vegeta managed to send; below the target when the generator itself ran short. */
  sentPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  statuses: Record<string, number>;
  errors: string[];
}

/**
 * `seconds` of constant arrivals at `perSecond`, each request a new shopper token and a new
 * Idempotency-Key: the targets file holds one line per request, so none repeats.
 */
export async function vegeta(options: {
  bin: string;
  url: string;
  saleId: string;
  perSecond: number;
  seconds: number;
  tokens: string[];
  workDir: string;
}): Promise<OpenModelResult> {
  const rate = Math.max(1, Math.round(options.perSecond));
  const count = rate * (options.seconds + 1);
  const targetsFile = `${options.workDir}/vegeta-targets-${randomBytes(4).toString('hex')}.jsonl`;
  const body = Buffer.from(JSON.stringify({ sale_id: options.saleId, quantity: 1 })).toString('base64');
  const keyPrefix = `bench-open-${randomBytes(6).toString('hex')}`;
  const out = createWriteStream(targetsFile);
  for (let i = 0; i < count; i += 1) {
    const line = JSON.stringify({
      method: 'POST',
      url: `${options.url}/v1/orders`,
      header: {
        Authorization: [`Bearer ${options.tokens[i % options.tokens.length] ?? ''}`],
        'Idempotency-Key': [`${keyPrefix}-${i}`],
        'Content-Type': ['application/json'],
      },
      body,
    });
    if (!out.write(`${line}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  const resultsFile = `${targetsFile}.bin`;
  await run(
    options.bin,
    ['attack', '-format=json', `-targets=${targetsFile}`, `-rate=${rate}/s`, `-duration=${options.seconds}s`, '-timeout=10s', `-output=${resultsFile}`],
    {
      maxBuffer: 1024 * 1024,
    },
  );
  const { stdout } = await run(options.bin, ['report', '-type=json', resultsFile], { maxBuffer: 16 * 1024 * 1024 });
  const report = JSON.parse(stdout) as { rate: number; latencies: Record<string, number>; status_codes: Record<string, number>; errors: string[] | null };
  return {
    targetPerSecond: rate,
    sentPerSecond: report.rate,
    p50Ms: (report.latencies['50th'] ?? Number.NaN) / 1e6,
    p99Ms: (report.latencies['99th'] ?? Number.NaN) / 1e6,
    statuses: report.status_codes,
    // vegeta lists every non-2xx status line as an error; the statuses above already count those.
    errors: (report.errors ?? []).filter((error) => !/^\d{3} /.test(error)).slice(0, 5),
  };
}
