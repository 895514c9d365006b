/**
 * `npm run reconcile -- <job>|all|list`: runs reconciliation jobs in this process and prints each
 * run's evidence row as a JSON line. Exit code 1 when a run crashed or a repair failed.
 * `npm run reconcile -- redis-rebuild` rebuilds every sale Redis lost at once; the running
 * reconciler does it by itself within seconds (docs/adr/0006-redis-loss-recovery.md).
 */
import { loadConfigOrExit } from '@flash-sale/config';
import { runJob } from './application/run-job.ts';
import { compose } from './composition.ts';
import { reconcilerConfigSchema } from './config.ts';
import { findJob, jobs } from './application/jobs/registry.ts';

const [name] = process.argv.slice(2);
if (!name || name === 'list') {
  for (const job of jobs) process.stdout.write(`${job.name.padEnd(20)} ${job.description}\n`);
  process.exit(name ? 0 : 2);
}
const selected = name === 'all' ? jobs.filter((job) => job.name !== 'redis-rebuild') : [findJob(name)];
if (selected.some((job) => !job)) {
  process.stderr.write(`unknown job ${name}; run with "list"\n`);
  process.exit(2);
}

const config = loadConfigOrExit(reconcilerConfigSchema);
const { deps, lifecycle } = compose(config, 'reconciler-cli');
let exitCode = 0;
try {
  for (const job of selected) {
    if (!job) continue;
    try {
      const run = await runJob(deps, job, 'cli');
      process.stdout.write(`${JSON.stringify(run)}\n`);
      if (run.failed > 0) exitCode = 1;
    } catch (error) {
      // The run row records the crash; say it here too, as the logger may not flush before exit.
      process.stderr.write(`${job.name} crashed: ${error instanceof Error ? error.message : String(error)}\n`);
      exitCode = 1;
    }
  }
} finally {
  await lifecycle.closeAll();
}
process.exit(exitCode);
