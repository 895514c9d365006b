// What `npm start` runs where, printed once every service is ready: each instance's address, and
// the pages it serves today (OpenAPI docs, the ops console, bull-board), found by asking each
// instance rather than listed here and left to go stale.

/** One process of `npm start`: `order` on single, `order-1` and `order-2` on cluster. */
export interface ServiceInstance {
  name: string;
  /** The service it is an instance of (`order`, …, `provider`). */
  service: string;
  base: string;
}

export interface ServiceEndpoints extends ServiceInstance {
  what: string;
  /** Paths that answered with anything but 404. */
  pages: Array<{ path: string; label: string }>;
}

// Each service's port variable in infra/local/env.sh; the second instance's is `<variable>_2`.
const portVariables = { order: 'ORDER_PORT', payment: 'PAYMENT_PORT', inventory: 'INVENTORY_PORT', reconciler: 'RECONCILER_PORT' } as const;

/**
 * The processes `npm start` runs, from the variables infra/local/env.sh sets: SERVICE_INSTANCES
 * (1 on single, 2 on cluster) of each service, and one provider simulator.
 */
export function serviceInstances(env: NodeJS.ProcessEnv = process.env): ServiceInstance[] {
  const required = (name: string) => {
    const value = env[name];
    if (!value) throw new Error(`${name} must be set (npm run demo sets it from infra/local/env.sh)`);
    return value;
  };
  const count = Number(env.SERVICE_INSTANCES ?? '1');
  if (count !== 1 && count !== 2) throw new Error(`SERVICE_INSTANCES must be 1 or 2, not '${env.SERVICE_INSTANCES}'`);
  const local = (portVariable: string) => `http://127.0.0.1:${required(portVariable)}`;
  const instances: ServiceInstance[] = [];
  for (const [service, portVariable] of Object.entries(portVariables)) {
    if (count === 1) instances.push({ name: service, service, base: local(portVariable) });
    else instances.push({ name: `${service}-1`, service, base: local(portVariable) }, { name: `${service}-2`, service, base: local(`${portVariable}_2`) });
  }
  instances.push({ name: 'provider', service: 'provider', base: local('PROVIDER_SIM_PORT') });
  return instances;
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

/** Asks each instance which of its pages exist (a refusal for want of a token still means it is there). */
export async function probeEndpoints(instances: ServiceInstance[]): Promise<ServiceEndpoints[]> {
  return Promise.all(
    instances.map(async (instance) => {
      const pages: ServiceEndpoints['pages'] = [];
      for (const page of candidatePages[instance.service] ?? []) {
        const status = await fetch(`${instance.base}${page.probe ?? page.path}`, { redirect: 'manual' }).then(
          (response) => response.status,
          () => 404,
        );
        if (status !== 404) pages.push({ path: page.path, label: page.label });
      }
      return { ...instance, what: descriptions[instance.service] ?? '', pages };
    }),
  );
}

export function formatBanner(services: ServiceEndpoints[]): string[] {
  const width = Math.max(...services.map((service) => service.name.length), 'metrics'.length);
  const severalInstances = services.some((service) => services.filter((other) => other.service === service.service).length > 1);
  return [
    'every service is ready:',
    ...services.map((service) =>
      [`  ${service.name.padEnd(width)}  ${service.base}  ${service.what}`, ...service.pages.map((page) => `${page.label} ${service.base}${page.path}`)].join(
        ' · ',
      ),
    ),
    ...(severalInstances
      ? [
          `  ${'calls'.padEnd(width)}  between services go to instance 1 (ORDER_URL, PAYMENT_URL, INVENTORY_URL, PROVIDER_WEBHOOK_URL); the demo's buyers to every order instance`,
        ]
      : []),
    `  ${'metrics'.padEnd(width)}  GET /metrics on each; alert rules and a Grafana dashboard in infra/observability (docker compose runs them)`,
    `  ${'logs'.padEnd(width)}  one line per entry; LOG_LEVEL=debug adds a line per request, LOG_FORMAT=json prints JSON`,
  ];
}
