/**
 * The ops console at /ops: one page whose script signs in with an ops token and reads the console
 * API (`console-api.routes.ts`). The page itself holds no data, so it loads without a token; every
 * figure on it comes from a guarded route. A strict content security policy keeps the page to its
 * own script and stylesheet.
 */
import type { FastifyPluginAsync } from 'fastify';
import { loadConsoleAssets } from './console-assets.ts';
import { consoleApiRoutes, type ConsoleApiOptions } from './console-api.routes.ts';

export const OPS_CONSOLE_PATH = '/ops';

const securityHeaders = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export const opsConsole: FastifyPluginAsync<ConsoleApiOptions> = async (app, options) => {
  const assets = await loadConsoleAssets();
  const html = assets.html.replace('data-dev-sign-in="false"', `data-dev-sign-in="${String(options.devSignIn)}"`);
  const serve = (path: string, type: string, body: string) =>
    app.get(path, { schema: { hide: true } }, async (_request, reply) => reply.headers(securityHeaders).type(type).send(body));
  serve(OPS_CONSOLE_PATH, 'text/html; charset=utf-8', html);
  // The page's relative links assume /ops; a typed trailing slash lands there too.
  app.get(`${OPS_CONSOLE_PATH}/`, { schema: { hide: true } }, async (_request, reply) => reply.redirect(OPS_CONSOLE_PATH));
  serve(`${OPS_CONSOLE_PATH}/console.js`, 'text/javascript; charset=utf-8', assets.script);
  serve(`${OPS_CONSOLE_PATH}/console.css`, 'text/css; charset=utf-8', assets.css);
  await app.register(consoleApiRoutes, options);
};
