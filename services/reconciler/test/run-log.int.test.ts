// What a reconciliation run says in the process log: a person reading `npm start` sees the runs
// that found something; the clean ones stay in reconciliation_runs and the metrics.
import { Writable } from 'node:stream';
import { createLogger } from '@flash-sale/service-kit';
import t from 'tap';
import { runJob } from '../src/application/run-job.ts';
import type { JobOutcome, ReconciliationJob } from '../src/application/jobs/job.ts';
import { createFixture } from './support/reconciler-fixture.ts';

const jobFinding = (anomalies: Record<string, number>): ReconciliationJob => ({
  name: 'log-probe',
  description: 'finds what it is told to',
  everyMs: 60_000,
  run: async (): Promise<JobOutcome> => ({ checked: 3, anomalies, repaired: Object.values(anomalies).reduce((a, b) => a + b, 0), failed: 0, sampleIds: [] }),
});

/** The log lines of one run of `job` at `level`, and how many evidence rows the run left. */
async function logsOfRun(teardown: Parameters<typeof createFixture>[0], level: string, job: ReconciliationJob) {
  const f = await createFixture(teardown);
  const lines: Array<{ level: string; msg: string; job?: string }> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as { level: string; msg: string; job?: string });
      done();
    },
  });
  await runJob({ ...f.deps, logger: createLogger({ service: 'reconciler', level }, destination) }, job, 'test');
  return { lines, evidence: (await f.runs('log-probe')).length };
}

t.test('a clean run writes no line at the default level, only at debug; its evidence row is written all the same', async (t) => {
  const atInfo = await logsOfRun(t.teardown.bind(t), 'info', jobFinding({}));
  t.same(atInfo.lines, []);
  t.equal(atInfo.evidence, 1, 'the run is recorded');
  const atDebug = await logsOfRun(t.teardown.bind(t), 'debug', jobFinding({}));
  t.match(atDebug.lines, [{ level: 'debug', msg: 'reconciliation run clean', job: 'log-probe' }]);
});

t.test('a run that found anomalies warns at the default level', async (t) => {
  const { lines, evidence } = await logsOfRun(t.teardown.bind(t), 'info', jobFinding({ pending_past_expiry: 2 }));
  t.match(lines, [{ level: 'warn', msg: 'reconciliation run found anomalies', job: 'log-probe' }]);
  t.equal(evidence, 1);
});
