import t from 'tap';
import { drawSchedule, mulberry32, REDIS_FAILOVER_KILL_MIN_SECONDS, renderSchedule } from '../src/fault-schedule.ts';

const targets = ['order', 'payment', 'inventory', 'reconciler', 'provider-sim', 'mariadb', 'redis', 'kafka'];

t.test('the same seed draws the same schedule, fault for fault', async (t) => {
  const first = drawSchedule({ seed: 2026, loadSeconds: 120, targets });
  const second = drawSchedule({ seed: 2026, loadSeconds: 120, targets });
  t.ok(first.length > 0, 'a two-minute run draws faults');
  t.same(second, first);
  t.equal(renderSchedule(second), renderSchedule(first));
});

t.test('a seed is a fixed sequence of draws on every machine', async (t) => {
  const random = mulberry32(1);
  // mulberry32's first outputs for seed 1: any change of the generator changes every replayed run.
  t.same(
    [random(), random(), random()].map((value) => value.toFixed(6)),
    ['0.627074', '0.002736', '0.527447'],
  );
});

t.test('different seeds draw different schedules', async (t) => {
  const rendered = new Set([1, 2, 3, 4, 5].map((seed) => renderSchedule(drawSchedule({ seed, loadSeconds: 120, targets }))));
  t.equal(rendered.size, 5);
});

t.test('faults come one at a time, after the warm-up, and all have healed by three quarters of the load', async (t) => {
  for (let seed = 0; seed < 200; seed += 1) {
    const faults = drawSchedule({ seed, loadSeconds: 120, targets });
    let previousEnd = 0;
    for (const fault of faults) {
      if (fault.atSeconds < Math.max(8, previousEnd) || fault.atSeconds + fault.durationSeconds > 90 || !targets.includes(fault.target)) {
        t.fail(`seed ${seed}: ${JSON.stringify(fault)} after a fault ending at ${previousEnd}`);
        return;
      }
      previousEnd = fault.atSeconds + fault.durationSeconds;
    }
  }
  t.pass('200 seeds drew well-formed schedules');
});

const clusterTargets = [
  'order-1',
  'order-2',
  'payment-1',
  'payment-2',
  'inventory-1',
  'inventory-2',
  'reconciler-1',
  'reconciler-2',
  'provider-sim',
  'mariadb-order',
  'mariadb-payment',
  'mariadb-inventory',
  'mariadb-reconciler',
  'redis-1',
  'redis-2',
  'redis-3',
  'redis-4',
  'redis-5',
  'redis-6',
  'kafka-1',
  'kafka-2',
  'kafka-3',
];
const partitionTargets = clusterTargets.filter((target) => /^(redis|kafka)-/.test(target));

t.test('on the cluster the same seed draws the same schedule, its own faults included', async (t) => {
  const first = drawSchedule({ seed: 42, loadSeconds: 120, targets: clusterTargets, partitionTargets });
  t.same(drawSchedule({ seed: 42, loadSeconds: 120, targets: clusterTargets, partitionTargets }), first);
  t.not(renderSchedule(first), renderSchedule(drawSchedule({ seed: 43, loadSeconds: 120, targets: clusterTargets, partitionTargets })));
});

t.test(
  'every cluster schedule kills the hot partition leader, fails the sale master over and partitions a broker or Redis node, one fault at a time',
  async (t) => {
    for (let seed = 0; seed < 200; seed += 1) {
      const faults = drawSchedule({ seed, loadSeconds: 120, targets: clusterTargets, partitionTargets });
      const kinds = new Set(faults.map((fault) => fault.kind));
      const wellFormed = faults.every((fault, index) => {
        const previous = faults[index - 1];
        const afterPrevious = !previous || fault.atSeconds >= previous.atSeconds + previous.durationSeconds;
        const target =
          fault.kind === 'partition'
            ? partitionTargets.includes(fault.target)
            : fault.kind === 'kill' || fault.kind === 'pause'
              ? clusterTargets.includes(fault.target)
              : true;
        const killLongEnough = fault.kind !== 'redis-failover' || fault.variant !== 'kill' || fault.durationSeconds >= REDIS_FAILOVER_KILL_MIN_SECONDS;
        return afterPrevious && target && killLongEnough && fault.atSeconds >= 8 && fault.atSeconds + fault.durationSeconds <= 90;
      });
      if (!kinds.has('kill-hot-leader') || !kinds.has('redis-failover') || !kinds.has('partition') || !wellFormed) {
        t.fail(`seed ${seed}: ${renderSchedule(faults)}`);
        return;
      }
    }
    t.pass('200 seeds drew every cluster fault kind in well-formed schedules');
  },
);

t.test('the single topology replays the schedules it drew before the cluster faults existed', async (t) => {
  // Seed 7's schedule, as the single topology's end-to-end test has always run it.
  t.equal(
    renderSchedule(drawSchedule({ seed: 7, loadSeconds: 90, targets })),
    renderSchedule(drawSchedule({ seed: 7, loadSeconds: 90, targets, partitionTargets: [] })),
  );
  t.match(renderSchedule(drawSchedule({ seed: 7, loadSeconds: 90, targets })), /^\+8s\s+SIGKILL\+restart\s+kafka/m);
  t.notOk(drawSchedule({ seed: 7, loadSeconds: 120, targets }).some((fault) => fault.kind !== 'kill' && fault.kind !== 'pause'));
});
