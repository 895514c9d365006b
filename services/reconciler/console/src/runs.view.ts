// Reconciliation: every job with "run now", and the recent runs with their evidence.
import { api, type Run } from './api.ts';
import { byId, el, fillTable, time } from './dom.ts';

const anomalies = (run: Run) =>
  Object.entries(run.anomalies)
    .map(([anomaly, count]) => `${anomaly}: ${count}`)
    .join(', ') || 'none';

const samples = (run: Run) =>
  [run.sampleIds.join(' '), run.sampleScope.withheld > 0 ? `(${run.sampleScope.withheld} of other tenants withheld)` : ''].filter(Boolean).join(' ') || '—';

export async function refreshRuns(): Promise<void> {
  const { runs } = await api<{ runs: Run[] }>('GET', '/v1/ops/reconciliation/runs?limit=30');
  fillTable(
    byId<HTMLTableElement>('runs-table'),
    ['#', 'job', 'by', 'started', 'outcome', 'checked', 'anomalies', 'repaired', 'failed', 'sample ids', 'error'],
    runs.map((run) => [
      run.id,
      run.job,
      run.triggeredBy,
      time(run.startedAt),
      run.outcome,
      run.checked,
      anomalies(run),
      run.repaired,
      run.failed,
      el('span', { class: 'mono' }, samples(run)),
      run.error ?? '',
    ]),
    (index) => ({ 'data-run-id': String(runs[index]?.id ?? '') }),
  );
}

export async function showJobs(report: (error: unknown) => void): Promise<void> {
  const { jobs } = await api<{ jobs: Array<{ name: string; description: string }> }>('GET', '/ops/api/jobs');
  const table = byId<HTMLTableElement>('jobs-table');
  fillTable(
    table,
    ['job', 'what it checks', '', 'last run now'],
    jobs.map((job) => [
      job.name,
      job.description,
      el('button', { type: 'button', 'data-run-job': job.name }, 'Run now'),
      el('span', { 'data-job-result': job.name }),
    ]),
  );
  for (const button of table.querySelectorAll<HTMLButtonElement>('button[data-run-job]')) {
    button.addEventListener('click', () => {
      const name = button.dataset.runJob ?? '';
      const result = table.querySelector<HTMLElement>(`[data-job-result="${name}"]`);
      button.disabled = true;
      if (result) result.textContent = 'running…';
      api<{ run: Run }>('POST', `/v1/ops/reconciliation/${encodeURIComponent(name)}`)
        .then(async ({ run }) => {
          if (result)
            result.textContent = `run #${run.id} ${run.outcome}: checked ${run.checked}, anomalies ${anomalies(run)}, repaired ${run.repaired}, failed ${run.failed}`;
          await refreshRuns();
          report(null);
        })
        .catch((error: unknown) => {
          if (result) result.textContent = 'failed';
          report(error);
        })
        .finally(() => {
          button.disabled = false;
        });
    });
  }
}
