/**
 * The fault schedule of a chaos run, drawn from a seed alone: the same seed, length and targets
 * give the same schedule on any machine, so a failing run can be replayed fault for fault.
 */

/** mulberry32: 32 bits of state, enough for a schedule and identical in every JavaScript engine. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** SIGKILL, then a restart once the duration is over; or SIGSTOP, then SIGCONT. */
export type FaultKind = 'kill' | 'pause';

export interface Fault {
  /** Seconds after the sale's load started. */
  atSeconds: number;
  kind: FaultKind;
  target: string;
  durationSeconds: number;
}

export interface ScheduleOptions {
  seed: number;
  /** How long the load runs; faults start after a warm-up and end before the last quarter. */
  loadSeconds: number;
  targets: readonly string[];
}

const WARM_UP_SECONDS = 8;
const MIN_DURATION_SECONDS = 3;
const MAX_DURATION_SECONDS = 12;
const MIN_GAP_SECONDS = 2;
const MAX_GAP_SECONDS = 8;

/**
 * One fault at a time, each healed before the next starts: overlapping faults would mostly be
 * a dead order service twice over, while one at a time reaches every target in a two-minute run.
 * The last fault ends by three quarters of the load, so the sale goes on after it has healed.
 */
export function drawSchedule(options: ScheduleOptions): Fault[] {
  if (options.targets.length === 0) throw new Error('no fault targets');
  const random = mulberry32(options.seed);
  const between = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
  const lastEnd = Math.floor(options.loadSeconds * 0.75);
  const faults: Fault[] = [];
  let at = WARM_UP_SECONDS + between(0, MAX_GAP_SECONDS);
  for (;;) {
    const kind: FaultKind = random() < 0.5 ? 'kill' : 'pause';
    const target = options.targets[Math.floor(random() * options.targets.length)] as string;
    const durationSeconds = between(MIN_DURATION_SECONDS, MAX_DURATION_SECONDS);
    if (at + durationSeconds > lastEnd) break;
    faults.push({ atSeconds: at, kind, target, durationSeconds });
    at += durationSeconds + between(MIN_GAP_SECONDS, MAX_GAP_SECONDS);
  }
  return faults;
}

/** The schedule as the table a run prints right after its seed. */
export function renderSchedule(faults: readonly Fault[]): string {
  const rows = [['at', 'fault', 'target', 'for'], ...faults.map((fault) => [`+${fault.atSeconds}s`, fault.kind === 'kill' ? 'SIGKILL+restart' : 'SIGSTOP/SIGCONT', fault.target, `${fault.durationSeconds}s`])];
  const widths = [0, 1, 2, 3].map((column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd()).join('\n');
}
