// Sales with their books side by side, refreshed every few seconds while the tab is open: Redis's
// counters next to MySQL's stock and allocation, the audit and the reservation rows.
import { api, type SaleBooks } from './api.ts';
import { byId, el, fillTable, time } from './dom.ts';

const REFRESH_MS = 3000;

let selected: string | null = null;
let timer: ReturnType<typeof setTimeout> | undefined;

const balance = (sale: SaleBooks) =>
  sale.redis_balanced === null
    ? el('span', { class: 'muted' }, 'no Redis stock')
    : sale.redis_balanced
      ? el('span', { class: 'ok' }, 'balanced')
      : el('span', { class: 'bad' }, 'DRIFT');

function renderList(sales: SaleBooks[]): void {
  const table = byId<HTMLTableElement>('sales-table');
  if (sales.length === 0) {
    table.replaceChildren(el('tbody', {}, el('tr', {}, el('td', {}, 'No sales live, upcoming or ended in the last day.'))));
    return;
  }
  fillTable(
    table,
    ['sale', 'tenant', 'window', 'Redis available', 'held', 'sold', 'sale stock', 'allocated', 'SKU stock', 'audit sold', 'released', 'refunded', 'Redis'],
    sales.map((sale) => [
      el('button', { type: 'button', 'data-open-sale': sale.sale_id, class: 'mono' }, sale.sale_id.slice(0, 8)),
      sale.tenant_id,
      sale.window,
      sale.redis?.available ?? '—',
      sale.redis?.held ?? '—',
      sale.redis?.sold ?? '—',
      sale.sale_stock,
      sale.mysql.sale_allocated,
      sale.mysql.sku_stock ?? '—',
      sale.audit.decrease.quantity,
      sale.audit.release.quantity,
      sale.audit.refund.quantity,
      balance(sale),
    ]),
    (index) => ({ 'data-sale-row': sales[index]?.sale_id ?? '', ...(sales[index]?.sale_id === selected ? { class: 'selected' } : {}) }),
  );
  for (const button of table.querySelectorAll<HTMLButtonElement>('button[data-open-sale]')) {
    button.addEventListener('click', () => {
      selected = button.dataset.openSale ?? null;
      void refresh();
    });
  }
}

/** One labelled figure; `data-field` names it as the API does, so a reader can check one against the other. */
const figure = (field: string, label: string, value: number | string | null) => [el('dt', {}, label), el('dd', { 'data-field': field }, value ?? '—')];

function renderDetail(sale: SaleBooks | null): void {
  const detail = byId('sale-detail');
  if (!sale) {
    detail.replaceChildren();
    return;
  }
  detail.replaceChildren(
    el('h3', {}, 'Sale ', el('span', { class: 'mono', id: 'detail-sale-id' }, sale.sale_id), ' ', balance(sale)),
    el(
      'p',
      { class: 'muted' },
      `${sale.tenant_id} · SKU ${sale.sku_id} · ${sale.window} · ${time(sale.starts_at)} → ${time(sale.ends_at)} · armed ${time(sale.armed_at)}`,
    ),
    el(
      'div',
      { class: 'books' },
      el(
        'section',
        {},
        el('h4', {}, 'Redis (decides reservations)'),
        el(
          'dl',
          {},
          ...(sale.redis
            ? [
                ...figure('redis.armed_stock', 'armed stock', sale.redis.armed_stock),
                ...figure('redis.available', 'available', sale.redis.available),
                ...figure('redis.held', 'held', sale.redis.held),
                ...figure('redis.sold', 'sold', sale.redis.sold),
              ]
            : [el('dt', {}, 'no stock in Redis'), el('dd', { 'data-field': 'redis' }, '—')]),
        ),
      ),
      el(
        'section',
        {},
        el('h4', {}, 'MySQL (the books)'),
        el(
          'dl',
          {},
          ...figure('sale_stock', 'sale stock', sale.sale_stock),
          ...figure('mysql.sale_allocated', 'sale allocation', sale.mysql.sale_allocated),
          ...figure('mysql.sku_stock', 'SKU stock', sale.mysql.sku_stock),
          ...figure('mysql.sku_initial_stock', 'SKU initial stock', sale.mysql.sku_initial_stock),
          ...figure('mysql.sku_allocated', 'SKU allocated', sale.mysql.sku_allocated),
        ),
      ),
      el(
        'section',
        {},
        el('h4', {}, 'Audit (units, stock change)'),
        el(
          'dl',
          {},
          ...(['reserve', 'decrease', 'release', 'refund'] as const).flatMap((operation) =>
            figure(
              `audit.${operation}.quantity`,
              `${operation} (${sale.audit[operation].rows} rows, ${sale.audit[operation].stock_delta})`,
              sale.audit[operation].quantity,
            ),
          ),
        ),
      ),
      el(
        'section',
        {},
        el('h4', {}, 'Reservations (orders, units)'),
        el(
          'dl',
          {},
          ...(['committed', 'released', 'released_before_created', 'refunded'] as const).flatMap((status) =>
            figure(`reservations.${status}.quantity`, `${status} (${sale.reservations[status].orders} orders)`, sale.reservations[status].quantity),
          ),
        ),
      ),
    ),
  );
}

export async function refresh(): Promise<void> {
  const { sales } = await api<{ sales: SaleBooks[] }>('GET', '/ops/api/sales');
  renderList(sales);
  renderDetail(selected ? await api<SaleBooks>('GET', `/ops/api/sales/${selected}`) : null);
  byId('sales-refreshed').textContent = `refreshed ${new Date().toLocaleTimeString()}, every ${REFRESH_MS / 1000} s`;
}

/** Polls while `active()` holds; an error is shown and the polling goes on (the next tick may succeed). */
export function startPolling(active: () => boolean, report: (error: unknown) => void): void {
  stopPolling();
  const tick = async () => {
    if (active()) await refresh().then(() => report(null), report);
    timer = setTimeout(() => void tick(), REFRESH_MS);
  };
  void tick();
}

export function stopPolling(): void {
  if (timer !== undefined) clearTimeout(timer);
  timer = undefined;
}
