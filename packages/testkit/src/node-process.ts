/**
 * A real Node process (a service's `main.ts`, a bench server) on 127.0.0.1:<port>, for e2e tests
 * and benches. It is killed should the calling process end without stopping it; `stop()` sends
 * SIGTERM so graceful shutdown runs, and SIGKILL if it hangs for 10 s. The child's environment is
 * only what the caller gives it, plus PATH and the Kafka principal of the tests' servers
 * (`resolveServers().kafkaCredentials`): the brokers authenticate every client, and a process the
 * test starts signs in as the test does unless its environment names a principal of its own. The
 * callers pass no credentials for that.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { resolveServers } from './servers.ts';

export interface NodeProcess {
  child: ChildProcess;
  url: string;
  stop: () => Promise<void>;
}

export async function startNodeProcess(options: {
  script: string;
  cwd: string;
  port: number;
  env: Record<string, string>;
  stdio: StdioOptions;
}): Promise<NodeProcess> {
  // Servers are resolved only for a process that needs them: one naming its principal does not.
  const kafkaCredentials = options.env.KAFKA_SASL_USERNAME ? {} : (await resolveServers()).kafkaCredentials;
  const child = spawn(process.execPath, [options.script], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(options.port), ...kafkaCredentials, ...options.env },
    stdio: options.stdio,
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      process.off('exit', killOnExit);
      resolve();
    }),
  );
  return {
    child,
    url: `http://127.0.0.1:${options.port}`,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
