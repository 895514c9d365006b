// What a person reads at `npm start` and what a log collector reads in production.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { logFormat } from '../src/logger.ts';

const loggerModule = new URL('../src/logger.ts', import.meta.url).href;

/** Logs three entries from a process of its own: pretty output comes from a worker thread and is only complete once the process exits. */
function logFrom(format: 'json' | 'pretty'): string[] {
  const script = `
    import { createLogger } from ${JSON.stringify(loggerModule)};
    const logger = createLogger({ service: 'order', level: 'info', format: ${JSON.stringify(format)} });
    logger.info({ component: 'outbox-relay', relay: 'order', batch_size: 500 }, 'outbox relay started');
    logger.warn({ user: { password: 'hunter2' } }, 'redaction applies in both formats');
    logger.debug('below the level');
    const unavailable = Object.assign(new Error('a service this request depends on did not answer'), { code: 'DEPENDENCY_UNAVAILABLE' });
    logger.warn({ err: unavailable }, 'payment service did not answer');
    logger.error({ err: new Error('boom') }, 'failed');
  `;
  // A file, not --eval: the transport's worker thread inherits the process's flags, and --input-type would stop it.
  const dir = mkdtempSync(join(tmpdir(), 'log-format-'));
  try {
    writeFileSync(join(dir, 'log.mjs'), script);
    const result = spawnSync(process.execPath, [join(dir, 'log.mjs')], { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } });
    if (result.status !== 0) throw new Error(result.stderr);
    return result.stdout.split('\n').filter(Boolean);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

t.test('pretty in development, JSON in production and tests, and LOG_FORMAT wins over both', async (t) => {
  t.equal(logFormat({ NODE_ENV: 'development' }), 'pretty');
  t.equal(logFormat({ NODE_ENV: 'production' }), 'json');
  t.equal(logFormat({ NODE_ENV: 'test' }), 'json');
  t.equal(logFormat({}), 'json', 'a process that does not say is read by a machine');
  t.equal(logFormat({ NODE_ENV: 'development', LOG_FORMAT: 'json' }), 'json');
  t.equal(logFormat({ NODE_ENV: 'production', LOG_FORMAT: 'pretty' }), 'pretty');
});

t.test('a pretty log is one readable line per entry, led by its component, with the same redaction', async (t) => {
  const lines = logFrom('pretty');
  const [started = '', redacted = ''] = lines;
  t.match(started, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: outbox-relay: outbox relay started \{"relay":"order","batch_size":500\}$/);
  t.match(redacted, /WARN: redaction applies in both formats/);
  t.notMatch(redacted, /hunter2/);
  t.throws(() => JSON.parse(started), 'not JSON');
});

t.test('a warning with an error costs two pretty lines (type, message, code); an error keeps its stack', async (t) => {
  const lines = logFrom('pretty');
  const warning = lines.findIndex((line) => line.includes('WARN: payment service did not answer'));
  t.match(lines[warning + 1], /^\s+err: Error: a service this request depends on did not answer \[DEPENDENCY_UNAVAILABLE\]$/);
  t.match(lines[warning + 2], /ERROR: failed/, 'the next entry follows at once: no stack under a warning');
  t.match(lines[warning + 3], /^\s+err: Error: boom$/);
  t.match(lines[warning + 4], /^\s+at /, 'the stack under an error');
});

t.test('a JSON log is one object per line, as before', async (t) => {
  const lines = logFrom('json').map((line) => JSON.parse(line) as Record<string, unknown>);
  t.equal(lines.length, 4);
  t.match(lines[0], { level: 'info', service: 'order', component: 'outbox-relay', msg: 'outbox relay started' });
  t.match(lines[1], { user: { password: '[redacted]' } });
});
