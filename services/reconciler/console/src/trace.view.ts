// One order's trace: where it stands in every service's books, and the timeline that says where it is stuck.
import { api, type OrderTrace } from './api.ts';
import { byId, el, fillTable } from './dom.ts';

const text = (value: unknown): string => {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
};

export async function traceOrder(orderId: string): Promise<void> {
  const result = byId('trace-result');
  result.replaceChildren(el('p', { class: 'muted' }, 'tracing…'));
  const trace = await api<OrderTrace>('GET', `/v1/ops/orders/${encodeURIComponent(orderId)}/trace`);
  const timeline = el('table', { id: 'trace-timeline' });
  fillTable(
    timeline,
    ['at', 'where', 'what'],
    trace.timeline.map((entry) => [el('span', { class: 'mono' }, entry.at), entry.source, entry.what]),
  );
  result.replaceChildren(
    el(
      'p',
      {},
      'Order ',
      el('span', { class: 'mono' }, text(trace.order.id)),
      ' is ',
      el('strong', { id: 'trace-status' }, text(trace.order.status)),
      ` · tenant ${text(trace.order.tenant_id)} · sale ${text(trace.order.sale_id)} · quantity ${text(trace.order.quantity)}`,
    ),
    el(
      'p',
      {},
      `Inventory reservation: ${text(trace.inventory.reservation?.status)} · Redis hold: ${text(trace.redis.hold)} · payments: ${trace.payments.map((payment) => text(payment.status)).join(', ') || 'none'} · webhook deliveries: ${trace.webhookInbox.length}`,
    ),
    el('h3', {}, 'Timeline'),
    timeline,
  );
}
