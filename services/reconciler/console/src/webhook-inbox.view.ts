// The payment webhook inbox: what the provider sent, and what became of each event.
import { api, type InboxEntry, type InboxSummary } from './api.ts';
import { byId, el, fillTable, time } from './dom.ts';

export async function refreshInbox(): Promise<void> {
  const outcome = byId<HTMLSelectElement>('inbox-outcome').value;
  const { entries, summary } = await api<{ entries: InboxEntry[]; summary: InboxSummary }>(
    'GET',
    `/ops/api/webhook-inbox${outcome ? `?outcome=${encodeURIComponent(outcome)}` : ''}`,
  );
  byId('inbox-summary').replaceChildren(
    el('span', { 'data-inbox': 'received' }, `received ${summary.received}`),
    ' · ',
    el('span', { 'data-inbox': 'applied' }, `applied ${summary.applied}`),
    ' · ',
    el('span', { 'data-inbox': 'duplicate' }, `duplicate ${summary.duplicate}`),
    ' · ',
    el('span', { 'data-inbox': 'refused', class: summary.refused > 0 ? 'bad' : '' }, `refused ${summary.refused}`),
  );
  fillTable(
    byId<HTMLTableElement>('inbox-table'),
    ['received', 'provider event', 'type', 'order', 'tenant', 'outcome', 'why', 'redeliveries', 'processed'],
    entries.map((entry) => [
      time(entry.received_at),
      el('span', { class: 'mono' }, entry.provider_event_id),
      entry.event_type,
      el('span', { class: 'mono' }, entry.order_id ?? '—'),
      entry.tenant_id ?? '—',
      el('span', { class: entry.outcome.startsWith('REFUSED') || entry.outcome === 'UNKNOWN_PAYMENT' ? 'bad' : '' }, entry.outcome),
      entry.outcome_detail ?? '',
      entry.duplicate_deliveries,
      time(entry.processed_at),
    ]),
  );
}
