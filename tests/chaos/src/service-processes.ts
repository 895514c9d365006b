/**
 * The five service processes of a chaos run, as `npm start` runs them (`node services/<name>/src/main.ts`
 * with the stack's settings and the service's own database user), each on its private port with
 * its output appended to a log file. A killed process is started again on the same port.
 */
import { openSync, closeSync } from 'node:fs';
import { startNodeProcess, waitFor, type NodeProcess } from '@flash-sale/testkit';

export const SERVICES = ['order', 'payment', 'inventory', 'reconciler', 'provider-sim'] as const;
export type ServiceName = (typeof SERVICES)[number];

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
  url(name: ServiceName): string;
  start(name: ServiceName): void;
  /** The running process of a service, if any. */
  process(name: ServiceName): NodeProcess | undefined;
  waitReady(name: ServiceName, timeoutMs?: number): Promise<void>;
  stopAll(): Promise<void>;
}

export function createServiceProcesses(options: { repoRoot: string; env: Record<string, string>; logDir: string }): ServiceProcesses {
  const running = new Map<ServiceName, NodeProcess>();
  const port = (name: ServiceName) => Number(options.env[PORT_VARIABLE[name]]);
  const url = (name: ServiceName) => `http://127.0.0.1:${port(name)}`;
  return {
    url,
    process: (name) => running.get(name),
    start(name) {
      const log = openSync(`${options.logDir}/${name}.log`, 'a');
      const mysqlVariable = MYSQL_URL_VARIABLE[name];
      const env = { ...options.env, LOG_LEVEL: options.env.CHAOS_LOG_LEVEL ?? 'warn', ...(mysqlVariable ? { MYSQL_URL: options.env[mysqlVariable] ?? '' } : {}) };
      running.set(name, startNodeProcess({ script: `services/${name}/src/main.ts`, cwd: options.repoRoot, port: port(name), env, stdio: ['ignore', log, log] }));
      // The child holds its own copy of the descriptor.
      closeSync(log);
    },
    async waitReady(name, timeoutMs = 90_000) {
      // The simulator stands for the outside world and has no dependencies to be ready on.
      const probe = name === 'provider-sim' ? '/health/live' : '/health/ready';
      await waitFor(async () => (await fetch(`${url(name)}${probe}`, { signal: AbortSignal.timeout(2_000) })).ok, { timeoutMs, intervalMs: 250, what: `${name} ready` });
    },
    async stopAll() {
      for (const child of [...running.values()].reverse()) {
        if (child.child.exitCode === null && child.child.signalCode === null) child.child.kill('SIGCONT');
        await child.stop();
      }
    },
  };
}
