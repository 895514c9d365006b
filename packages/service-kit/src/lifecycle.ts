import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

type Closer = { name: string; close: () => unknown };

/**
 * Owns a process's shutdown: on SIGTERM/SIGINT the HTTP server stops taking requests and drains,
 * then workers and clients close in the reverse order of their creation.
 */
export class Lifecycle {
  readonly #closers: Closer[] = [];
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Registers something to close; returns it so construction and registration read as one line. */
  add<T>(name: string, resource: T, close: (resource: T) => unknown): T {
    this.#closers.push({ name, close: () => close(resource) });
    return resource;
  }

  async closeAll(): Promise<void> {
    for (const closer of [...this.#closers].reverse()) {
      try {
        await closer.close();
      } catch (error) {
        this.#logger.error({ err: error, resource: closer.name }, 'close failed');
      }
    }
    this.#closers.length = 0;
  }
}

const LISTEN_BACKLOG = 4096;

export async function listenWithGracefulShutdown(
  app: FastifyInstance,
  lifecycle: Lifecycle,
  listen: { host: string; port: number },
  delayMs = 15000,
): Promise<void> {
  let closing = false;
  const grace = closeWithGrace({ delay: delayMs, skip: ['SIGINT'] }, async ({ signal, err, manual }) => {
    closing = true;
    if (err) app.log.error({ err }, 'shutting down after an uncaught error');
    else app.log.info({ signal: manual ? 'SIGINT' : signal }, 'shutting down');
    await app.close();
    await lifecycle.closeAll();
  });
  // Ctrl-C under `npm start` reaches each service twice: the terminal signals the whole process
  // group and concurrently forwards the signal to its children. close-with-grace exits at once on a
  // second signal, skipping the close, so SIGINT is handled here: it starts the graceful close (the
  // only manual close) unless one is under way, whatever began it; the delay still bounds the close.
  process.on('SIGINT', () => {
    if (!closing) grace.close();
  });
  // A stampede opens thousands of connections at once; Node's default accept queue (511) overflows
  // while the event loop is busy and the kernel drops or resets the rest. The kernel still caps it
  // at net.core.somaxconn.
  await app.listen({ ...listen, backlog: LISTEN_BACKLOG });
}
