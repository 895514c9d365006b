/**
 * Answers from memory before routing: a route whose answer is already in the process (the public
 * sale read's cached bytes, docs/adr/0008-public-sale-reads.md) may serve it straight from the HTTP
 * server's request event, without fastify building a request, a reply, a logger and running the
 * hook chain for it. That machinery is most of what such a read costs.
 *
 * An early answer is an optimisation of a route fastify also serves, never a route of its own: it
 * answers only when it can give exactly the answer the route would (same status, headers and body)
 * and otherwise writes nothing, and fastify routes the request as if no early answer existed. So
 * every refusal, every miss and every request it is unsure about keeps the route's validation,
 * error contract, hooks and logs. What it keeps for the requests it answers, the dispatcher here
 * does for every early answer alike: the request duration histogram (`http_request_duration_seconds`
 * with the route's name) and the debug line "request completed".
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import proxyAddr from '@fastify/proxy-addr';
import type { FastifyServerFactoryHandler } from 'fastify';
import type { Logger } from 'pino';
import type { Histogram } from 'prom-client';

export interface EarlyAnswer {
  /** The route it answers for, as fastify names it (`/v1/sales/:id`): the histogram's `route` label. */
  route: string;
  /**
   * Writes the whole answer and returns true, or writes nothing at all and returns false. Must not
   * throw and must not wait: what it cannot decide now, fastify's route decides.
   */
  answer(request: IncomingMessage, response: ServerResponse): boolean;
}

/** The server settings fastify applies to the server it creates itself (fastify/lib/server.js). */
interface ServerSettings {
  http?: object | null;
  keepAliveTimeout?: number;
  requestTimeout?: number;
  connectionTimeout?: number;
  maxRequestsPerSocket?: number;
}

type Duration = Pick<Histogram<'method' | 'route' | 'status'>, 'observe'>;

export class EarlyAnswers {
  readonly #answers: EarlyAnswer[] = [];
  readonly #logger: Logger;
  #duration: Duration | undefined;
  #closing = false;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  add(answer: EarlyAnswer): void {
    this.#answers.push(answer);
  }

  /** The histogram fastify's own requests are observed in (metrics.ts); until set, answers are not observed. */
  observeIn(duration: Duration): void {
    this.#duration = duration;
  }

  /**
   * From the start of the app's close on, every request goes to fastify, which answers 503 with
   * `Connection: close` while closing, so a keep-alive client moves to another instance instead of
   * being served from memory until the grace period ends.
   */
  close(): void {
    this.#closing = true;
  }

  /**
   * fastify's `serverFactory`: the HTTP server fastify would create, with the same settings, whose
   * request event tries the early answers before fastify's handler.
   */
  readonly serverFactory = (handler: FastifyServerFactoryHandler, settings: ServerSettings): Server => {
    const server = createServer(settings.http ?? {}, (request, response) => {
      if (this.#answers.length === 0 || this.#closing || !this.#tryAnswer(request, response)) handler(request, response);
    });
    if (settings.keepAliveTimeout !== undefined) server.keepAliveTimeout = settings.keepAliveTimeout;
    if (settings.requestTimeout !== undefined) server.requestTimeout = settings.requestTimeout;
    if (settings.connectionTimeout !== undefined) server.setTimeout(settings.connectionTimeout);
    if (settings.maxRequestsPerSocket !== undefined && settings.maxRequestsPerSocket > 0) server.maxRequestsPerSocket = settings.maxRequestsPerSocket;
    return server;
  };

  #tryAnswer(request: IncomingMessage, response: ServerResponse): boolean {
    const startedAt = performance.now();
    for (const early of this.#answers) {
      let answered: boolean;
      try {
        answered = early.answer(request, response);
      } catch (error) {
        // A fault of an optimisation must cost the request nothing: fastify answers it, unless
        // the early answer had begun writing (then the connection cannot be trusted either).
        this.#logger.error({ err: error, route: early.route }, 'early answer failed');
        if (response.headersSent) {
          response.destroy();
          return true;
        }
        continue;
      }
      if (!answered) continue;
      const seconds = (performance.now() - startedAt) / 1000;
      this.#duration?.observe({ method: request.method ?? 'GET', route: early.route, status: String(response.statusCode) }, seconds);
      if (this.#logger.isLevelEnabled('debug')) {
        this.#logger.debug(
          { method: request.method, url: request.url, statusCode: response.statusCode, responseTime: seconds * 1000, earlyAnswer: true },
          'request completed',
        );
      }
      return true;
    }
    return false;
  }
}

/**
 * The client's address as fastify's `request.ip` gives it for the same `trustProxy` setting: the
 * socket's peer, or with trusted proxies the last address in `X-Forwarded-For` they did not add.
 */
export function clientAddressOf(trustProxy: boolean | string[]): (request: IncomingMessage) => string | undefined {
  if (trustProxy === false || (Array.isArray(trustProxy) && trustProxy.length === 0)) return (request) => request.socket.remoteAddress;
  const trust = trustProxy === true ? () => true : proxyAddr.compile(trustProxy);
  return (request) => (request.socket.remoteAddress === undefined ? undefined : proxyAddr(request, trust));
}
