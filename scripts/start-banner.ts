// What `npm start` runs where, printed once every service is ready: each address, and the pages it
// serves today (OpenAPI docs, the ops console, bull-board), found by asking each service rather
// than listed here and left to go stale.

export interface ServiceEndpoints {
  name: string;
  base: string;
  what: string;
  /** Paths that answered with anything but 404. */
  pages: Array<{ path: string; label: string }>;
}

const candidatePages: Record<string, Array<{ path: string; probe?: string; label: string }>> = {
  order: [{ path: '/docs', probe: '/docs/json', label: 'OpenAPI' }],
  payment: [{ path: '/docs', probe: '/docs/json', label: 'OpenAPI' }],
  inventory: [{ path: '/docs', probe: '/docs/json', label: 'OpenAPI' }],
  reconciler: [
    { path: '/ops', label: 'ops console (ops role)' },
    { path: '/ops/queues', label: 'bull-board (platform-ops)' },
    { path: '/docs', probe: '/docs/json', label: 'OpenAPI' },
  ],
};

const descriptions: Record<string, string> = {
  order: 'orders',
  payment: 'payments, refunds, provider webhook',
  inventory: 'SKUs, sales, stock',
  reconciler: 'repair jobs, order traces',
  provider: 'payment provider simulator',
};

/** Asks each service which of its pages exist (a refusal for want of a token still means it is there). */
export async function probeEndpoints(urls: Record<string, string>): Promise<ServiceEndpoints[]> {
  return Promise.all(
    Object.entries(urls).map(async ([name, base]) => {
      const pages: ServiceEndpoints['pages'] = [];
      for (const page of candidatePages[name] ?? []) {
        const status = await fetch(`${base}${page.probe ?? page.path}`, { redirect: 'manual' }).then((response) => response.status, () => 404);
        if (status !== 404) pages.push({ path: page.path, label: page.label });
      }
      return { name, base, what: descriptions[name] ?? '', pages };
    }),
  );
}

export function formatBanner(services: ServiceEndpoints[]): string[] {
  const width = Math.max(...services.map((service) => service.name.length));
  return [
    'every service is ready:',
    ...services.map((service) =>
      [`  ${service.name.padEnd(width)}  ${service.base}  ${service.what}`, ...service.pages.map((page) => `${page.label} ${service.base}${page.path}`)].join(' · '),
    ),
    `  ${'metrics'.padEnd(width)}  GET /metrics on each; alert rules and a Grafana dashboard in infra/observability (docker compose runs them)`,
    `  ${'logs'.padEnd(width)}  one line per entry; LOG_LEVEL=debug adds a line per request, LOG_FORMAT=json prints JSON`,
  ];
}
