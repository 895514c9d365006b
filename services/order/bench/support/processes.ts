/**
 * The processes a bench run starts and what it reads of them: a node process per system under
 * test (its logs to a file, so writing them costs what it costs in production and nothing reads
 * them on the hot path), its memory from /proc, its V8 heap from its own /metrics.
 */
import type { ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startNodeProcess } from '@flash-sale/testkit';

export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

export interface Memory {
  /** VmRSS now and the process's peak (VmHWM), in MiB. */
  rssMb: number;
  peakRssMb: number;
}

export interface BenchProcess {
  name: string;
  pid: number;
  url: string;
  logFile: string;
  /** Peak RSS and heap seen by `sample()` (VmHWM is read too, so the peak between samples counts). */
  peakRssMb: number;
  peakHeapUsedMb: number;
  sample(): Promise<{ rssMb: number; heapUsedMb: number | undefined }>;
  stop(): Promise<void>;
}

export function readMemory(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rssMb: kib('VmRSS') / 1024, peakRssMb: kib('VmHWM') / 1024 };
}

/** A Prometheus text exposition as `name{labels}` → value (labels as written, sorted by the client). */
export async function scrapeMetrics(url: string): Promise<Map<string, number>> {
  const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) });
  const text = await response.text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return values;
}

/** Sum of every series of `name` whose labels contain all of `labels` (`key="value"` pairs). */
export function sumSeries(metrics: Map<string, number>, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const [series, value] of metrics) {
    if (series !== name && !series.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([key, wanted]) => series.includes(`${key}="${wanted}"`))) total += value;
  }
  return total;
}

/**
 * BENCH_CPU_PROFILE_DIR: every server the bench starts writes a V8 CPU profile there when it stops
 * (`<dir>/<name>/*.cpuprofile`); `node services/order/bench/profile-summary.ts <file>` sums it up.
 */
function nodeOptionsFor(name: string): string {
  const inherited = process.env.NODE_OPTIONS ?? '';
  const dir = process.env.BENCH_CPU_PROFILE_DIR;
  return dir ? `${inherited} --cpu-prof --cpu-prof-dir=${dir}/${name}`.trim() : inherited;
}

export async function startProcess(options: {
  name: string;
  script: string;
  port: number;
  env: Record<string, string>;
  logDir: string;
  ipc?: boolean;
}): Promise<{
  process: BenchProcess;
  child: ChildProcess;
}> {
  const logFile = `${options.logDir}/${options.name}.log`;
  const log = openSync(logFile, 'a');
  const node = await startNodeProcess({
    script: options.script,
    cwd: repoRoot,
    port: options.port,
    env: { NODE_OPTIONS: nodeOptionsFor(options.name), ...options.env },
    stdio: ['ignore', log, log, ...(options.ipc ? (['ipc'] as const) : [])],
  });
  const { child, url } = node;
  const running: BenchProcess = {
    name: options.name,
    pid: child.pid ?? 0,
    url,
    logFile,
    peakRssMb: 0,
    peakHeapUsedMb: 0,
    async sample() {
      const memory = readMemory(running.pid);
      running.peakRssMb = Math.max(running.peakRssMb, memory.peakRssMb, memory.rssMb);
      let heapUsedMb: number | undefined;
      try {
        heapUsedMb = sumSeries(await scrapeMetrics(url), 'nodejs_heap_size_used_bytes') / 1024 / 1024;
        running.peakHeapUsedMb = Math.max(running.peakHeapUsedMb, heapUsedMb);
      } catch {
        heapUsedMb = undefined;
      }
      return { rssMb: memory.rssMb, heapUsedMb };
    },
    stop: node.stop,
  };
  return { process: running, child };
}

/** Polls `url` until it answers 200, or throws with the tail of the process's log. */
export async function waitUntilReady(running: BenchProcess, path: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(`${running.url}${path}`, { signal: AbortSignal.timeout(2000) })).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      const tail = readFileSync(running.logFile, 'utf8').split('\n').slice(-20).join('\n');
      throw new Error(`${running.name} did not answer ${path} within ${timeoutMs} ms; its log ends:\n${tail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/** An HS256 JWT of `claims`, signed as the identity provider would, valid for four hours. */
function signHs256(secret: string, claims: Record<string, unknown>): string {
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const now = Math.floor(Date.now() / 1000);
  const payload = base64url(JSON.stringify({ ...claims, iat: now, exp: now + 4 * 3600 }));
  return `${header}.${payload}.${createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url')}`;
}

/**
 * Shopper tokens (`exp` is required by the services), one distinct user each. Signed here, once,
 * so no signing happens during a measured run.
 */
export function signShopperTokens(options: { secret: string; count: number; tenant: string; runId: string; issuer?: string; audience?: string }): string[] {
  return Array.from({ length: options.count }, (_, i) =>
    signHs256(options.secret, {
      sub: `bench-${options.runId}-${i}`,
      tenant: options.tenant,
      roles: ['shopper'],
      ...(options.issuer ? { iss: options.issuer } : {}),
      ...(options.audience ? { aud: options.audience } : {}),
    }),
  );
}

export function signOpsToken(secret: string, tenant: string): string {
  return signHs256(secret, { sub: 'bench-ops', tenant, roles: ['ops'] });
}
