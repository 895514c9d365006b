// Dead-lettered and quarantined events with their error, and redrive. Redrive takes two clicks:
// it republishes the event to its original topic, and that cannot be taken back.
import { api, type DeadLetter } from './api.ts';
import { byId, el, fillTable, time } from './dom.ts';

interface Listing {
  topics: Array<{ topic: string; depth: number; entries: DeadLetter[] }>;
  withheld: number;
}

export async function refreshDeadLetters(report: (error: unknown) => void): Promise<void> {
  const status = byId('dead-letters-status');
  status.textContent = 'reading the dead-letter and quarantine topics…';
  const listing = await api<Listing>('GET', '/ops/api/dead-letters');
  const entries = listing.topics.flatMap((topic) => topic.entries);
  const depth = listing.topics.reduce((sum, topic) => sum + topic.depth, 0);
  status.textContent = `${entries.length} entries shown across ${listing.topics.length} topics (depth ${depth}${listing.withheld > 0 ? `, ${listing.withheld} of other tenants withheld` : ''}); read ${new Date().toLocaleTimeString()}. A redriven entry stays listed: topics are append-only.`;
  const table = byId<HTMLTableElement>('dead-letters-table');
  fillTable(
    table,
    ['topic', 'offset', 'kind', 'event', 'tenant', 'attempts', 'failed at', 'error', ''],
    entries.map((entry) => [
      el('span', { class: 'mono' }, entry.topic),
      entry.offset,
      entry.kind,
      el('span', { class: 'mono' }, `${entry.event_type ?? '?'} ${entry.event_id ?? ''}`),
      entry.tenant_id ?? '—',
      entry.attempts,
      time(entry.failed_at),
      el('span', {}, el('strong', {}, entry.error.code), ' ', entry.error.message),
      el('button', { type: 'button', class: 'danger', 'data-redrive': `${entry.topic}|${entry.partition}|${entry.offset}` }, 'Redrive'),
    ]),
    (index) => ({ 'data-dead-letter': `${entries[index]?.topic ?? ''}|${entries[index]?.offset ?? ''}` }),
  );
  for (const button of table.querySelectorAll<HTMLButtonElement>('button[data-redrive]')) {
    button.addEventListener('click', () => {
      if (button.dataset.confirm !== 'yes') {
        button.dataset.confirm = 'yes';
        button.textContent = 'Confirm redrive';
        return;
      }
      const [topic = '', partition = '0', offset = ''] = (button.dataset.redrive ?? '').split('|');
      button.disabled = true;
      api<{ redriven: DeadLetter; to: string }>('POST', '/ops/api/dead-letters/redrive', { topic, partition: Number(partition), offset })
        .then(({ to }) => {
          button.replaceWith(el('span', { class: 'ok', 'data-redriven': `${topic}|${offset}` }, `redriven to ${to}`));
          report(null);
        })
        .catch((error: unknown) => {
          button.disabled = false;
          report(error);
        });
    });
  }
}
