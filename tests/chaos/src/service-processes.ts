/**
 * The service processes of a chaos run, as `npm start` runs them (`node services/<name>/src/main.ts`
 * with the stack's settings and the service's own database user), each on its private port with
 * its output appended to a log file. A killed process is started again on the same port.
 * Single topology: one process per service. Cluster topology: two instances of each service
 * (`order-1`, `order-2`, …), instance n calling instance n of the others, and one provider
 * simulator (it stands for the outside world).
 */
import { openSync, closeSync } from 'node:fs';
import { serviceKafkaCredentials } from '@flash-sale/service-kit';
import { freePort, startNodeProcess, waitFor, type NodeProcess } from '@flash-sale/testkit';
import type { Topology } from './private-stack.ts';

export const SERVICES = ['order', 'payment', 'inventory', 'reconciler', 'provider-sim'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** The instances a topology runs, by name: the fault targets among the services. */
export function instanceNames(topology: Topology): Array<{ name: string; service: ServiceName }> {
  return SERVICES.flatMap((service): Array<{ name: string; service: ServiceName }> =>
    topology === 'cluster' && service !== 'provider-sim' ? [1, 2].map((n) => ({ name: `${service}-${n}`, service })) : [{ name: service, service }],
  );
}

export interface ServiceInstance {
  /** The fault target's name: the service on single, `<service>-<n>` on cluster. */
  name: string;
  service: ServiceName;
  port: number;
  url: string;
}

const PORT_VARIABLE: Record<ServiceName, string> = {
  order: 'ORDER_PORT',
  payment: 'PAYMENT_PORT',
  inventory: 'INVENTORY_PORT',
  reconciler: 'RECONCILER_PORT',
  'provider-sim': 'PROVIDER_SIM_PORT',
};
const MYSQL_URL_VARIABLE: Partial<Record<ServiceName, string>> = {
  order: 'ORDER_MYSQL_URL',
  payment: 'PAYMENT_MYSQL_URL',
  inventory: 'INVENTORY_MYSQL_URL',
  reconciler: 'RECONCILER_MYSQL_URL',
};

export interface ServiceProcesses {
  instances: readonly ServiceInstance[];
  /** Every instance of a service. */
  of(service: ServiceName): ServiceInstance[];
  start(name: string): Promise<void>;
  /** The running process of an instance, if any. */
  process(name: string): NodeProcess | undefined;
  waitReady(name: string, timeoutMs?: number): Promise<void>;
  stopAll(): Promise<void>;
}

export async function createServiceProcesses(options: {
  repoRoot: string;
  env: Record<string, string>;
  logDir: string;
  topology: Topology;
}): Promise<ServiceProcesses> {
  const instances: ServiceInstance[] = [];
  for (const { name, service } of instanceNames(options.topology)) {
    // The first instance of a service takes the port infra/local/env.sh gave it.
    const port = instances.some((other) => other.service === service) ? await freePort() : Number(options.env[PORT_VARIABLE[service]]);
    instances.push({ name, service, port, url: `http://127.0.0.1:${port}` });
  }
  const instance = (name: string) => {
    const found = instances.find((candidate) => candidate.name === name);
    if (!found) throw new Error(`no service instance ${name}`);
    return found;
  };
  const of = (service: ServiceName) => instances.filter((candidate) => candidate.service === service);
  // Instance n calls instance n of each other service (the first when that service has one).
  const peerUrl = (service: ServiceName, n: number) => {
    const peers = of(service);
    return (peers[n] ?? peers[0])?.url ?? '';
  };
  const running = new Map<string, NodeProcess>();
  return {
    instances,
    of,
    process: (name) => running.get(name),
    async start(name) {
      const { service, port } = instance(name);
      const n = of(service).findIndex((candidate) => candidate.name === name);
      const log = openSync(`${options.logDir}/${name}.log`, 'a');
      const mysqlVariable = MYSQL_URL_VARIABLE[service];
      const env = {
        ...options.env,
        LOG_LEVEL: options.env.CHAOS_LOG_LEVEL ?? 'warn',
        ...(mysqlVariable ? { MYSQL_URL: options.env[mysqlVariable] ?? '' } : {}),
        ...ownRedisAndKafkaUsers(service, options.env),
        ORDER_URL: peerUrl('order', n),
        PAYMENT_URL: peerUrl('payment', n),
        INVENTORY_URL: peerUrl('inventory', n),
      };
      running.set(name, await startNodeProcess({ script: `services/${service}/src/main.ts`, cwd: options.repoRoot, port, env, stdio: ['ignore', log, log] }));
      // The child holds its own copy of the descriptor.
      closeSync(log);
    },
    // Nine processes start at once on the machine that also runs every server: give them time.
    async waitReady(name, timeoutMs = 180_000) {
      const { service, url } = instance(name);
      // The simulator stands for the outside world and has no dependencies to be ready on.
      const probe = service === 'provider-sim' ? '/health/live' : '/health/ready';
      await waitFor(async () => (await fetch(`${url}${probe}`, { signal: AbortSignal.timeout(2_000) })).ok, {
        timeoutMs,
        intervalMs: 250,
        what: `${name} ready`,
      });
    },
    async stopAll() {
      for (const child of [...running.values()].reverse()) {
        if (child.child.exitCode === null && child.child.signalCode === null) child.child.kill('SIGCONT');
        await child.stop();
      }
    },
  };
}

/**
 * A service's own Redis user and Kafka principal, from the variables infra/local/env.sh exports
 * (<SERVICE>_REDIS_URL, <SERVICE>_KAFKA_USER, <SERVICE>_KAFKA_PASSWORD), which `npm start` reads too
 * (scripts/start-service.sh):
 * the faults then run against the grants production would have. The provider simulator has neither.
 */
function ownRedisAndKafkaUsers(service: ServiceName, env: Record<string, string>): Record<string, string> {
  if (service === 'provider-sim') return {};
  const prefix = service.toUpperCase();
  const redisUrl = env[`${prefix}_REDIS_URL`];
  return { ...(redisUrl ? { REDIS_URL: redisUrl } : {}), ...serviceKafkaCredentials(service, env) };
}
