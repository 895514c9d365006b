import t from 'tap';
import { drawSchedule, mulberry32, renderSchedule } from '../src/fault-schedule.ts';

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
  t.same([random(), random(), random()].map((value) => value.toFixed(6)), ['0.627074', '0.002736', '0.527447']);
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
