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

/**
 * kill: SIGKILL, then a restart once the duration is over; pause: SIGSTOP, then SIGCONT.
 * The cluster's own faults, whose target is looked up when the fault lands:
 * kill-hot-leader: SIGKILL the broker leading the sale's partition of the order-created topic;
 * redis-failover: the sale's Redis master fails over, by CLUSTER FAILOVER on its replica
 * (`variant: 'manual'`) or by a SIGKILL that its replica takes over from (`variant: 'kill'`);
 * partition: every packet to or from one node's ports dropped (iptables), then the rules removed.
 */
export type FaultKind = 'kill' | 'pause' | 'kill-hot-leader' | 'redis-failover' | 'partition';

export interface Fault {
  /** Seconds after the sale's load started. */
  atSeconds: number;
  kind: FaultKind;
  target: string;
  durationSeconds: number;
  variant?: 'manual' | 'kill';
}

export interface ScheduleOptions {
  seed: number;
  /** How long the load runs; faults start after a warm-up and end before the last quarter. */
  loadSeconds: number;
  /** Processes to SIGKILL or SIGSTOP. */
  targets: readonly string[];
  /**
   * The nodes a network partition may cut off (brokers and Redis nodes). Given, the schedule also
   * draws the cluster's own faults, each at least once.
   */
  partitionTargets?: readonly string[];
}

const WARM_UP_SECONDS = 8;
const MIN_DURATION_SECONDS = 3;
const MAX_DURATION_SECONDS = 12;
const MIN_GAP_SECONDS = 2;
const MAX_GAP_SECONDS = 8;
/** Share of the cluster's own faults among the draws. */
const CLUSTER_FAULT_SHARE = 0.35;
/**
 * A killed master is replaced once its replica has missed it for cluster-node-timeout (5 s,
 * infra/local/redis-cluster.sh) and won the election: a shorter kill restarts it before that.
 */
export const REDIS_FAILOVER_KILL_MIN_SECONDS = 9;
export const HOT_LEADER = 'leader of the sale partition';
export const SALE_MASTER = 'master of the sale slot';

const CLUSTER_KINDS = ['kill-hot-leader', 'redis-failover', 'partition'] as const;

/**
 * One fault at a time, each healed before the next starts: overlapping faults would mostly be
 * a dead order service twice over, while one at a time reaches every target in a two-minute run.
 * The last fault ends by three quarters of the load, so the sale goes on after it has healed.
 * The single topology's draws are exactly those it always drew, so its seeds replay as before.
 */
export function drawSchedule(options: ScheduleOptions): Fault[] {
  if (options.targets.length === 0) throw new Error('no fault targets');
  const partitionTargets = options.partitionTargets ?? [];
  const cluster = partitionTargets.length > 0;
  const random = mulberry32(options.seed);
  const between = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)] as T;
  const clusterFault = (kind: (typeof CLUSTER_KINDS)[number], atSeconds: number, durationSeconds: number): Fault => {
    if (kind === 'kill-hot-leader') return { atSeconds, kind, target: HOT_LEADER, durationSeconds };
    if (kind === 'partition') return { atSeconds, kind, target: pick(partitionTargets), durationSeconds };
    const variant = durationSeconds >= REDIS_FAILOVER_KILL_MIN_SECONDS && random() < 0.5 ? 'kill' : 'manual';
    return { atSeconds, kind, target: SALE_MASTER, durationSeconds, variant };
  };
  const lastEnd = Math.floor(options.loadSeconds * 0.75);
  const faults: Fault[] = [];
  let at = WARM_UP_SECONDS + between(0, MAX_GAP_SECONDS);
  for (;;) {
    const clusterKind = cluster && random() < CLUSTER_FAULT_SHARE ? pick(CLUSTER_KINDS) : undefined;
    const kind = random() < 0.5 ? 'kill' : 'pause';
    const target = options.targets[Math.floor(random() * options.targets.length)] as string;
    const durationSeconds = between(MIN_DURATION_SECONDS, MAX_DURATION_SECONDS);
    if (at + durationSeconds > lastEnd) break;
    faults.push(clusterKind ? clusterFault(clusterKind, at, durationSeconds) : { atSeconds: at, kind, target, durationSeconds });
    at += durationSeconds + between(MIN_GAP_SECONDS, MAX_GAP_SECONDS);
  }
  if (cluster) {
    // Every cluster fault kind at least once: a kind the draws missed replaces a process fault the
    // seed picks, in place, so the timing stays as drawn.
    for (const kind of CLUSTER_KINDS) {
      if (faults.some((fault) => fault.kind === kind)) continue;
      const replaceable = faults.map((fault, index) => ({ fault, index })).filter(({ fault }) => fault.kind === 'kill' || fault.kind === 'pause');
      if (replaceable.length === 0) break;
      const { fault, index } = pick(replaceable);
      faults[index] = clusterFault(kind, fault.atSeconds, fault.durationSeconds);
    }
  }
  return faults;
}

const FAULT_LABEL: Record<FaultKind, string> = {
  kill: 'SIGKILL+restart',
  pause: 'SIGSTOP/SIGCONT',
  'kill-hot-leader': 'SIGKILL+restart',
  'redis-failover': 'Redis failover',
  partition: 'network partition',
};

export function describeFault(fault: Fault): string {
  if (fault.kind === 'redis-failover') return `${FAULT_LABEL[fault.kind]} (${fault.variant === 'kill' ? 'SIGKILL master' : 'CLUSTER FAILOVER'})`;
  return FAULT_LABEL[fault.kind];
}

/** The schedule as the table a run prints right after its seed. */
export function renderSchedule(faults: readonly Fault[]): string {
  const rows = [
    ['at', 'fault', 'target', 'for'],
    ...faults.map((fault) => [`+${fault.atSeconds}s`, describeFault(fault), fault.target, `${fault.durationSeconds}s`]),
  ];
  const widths = [0, 1, 2, 3].map((column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
