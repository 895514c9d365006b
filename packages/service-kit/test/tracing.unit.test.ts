// When a service process traces, and what it costs when it does not.
import { spawnSync } from 'node:child_process';
import t from 'tap';
import { tracingSettings } from '../src/tracing.ts';

const tracingModule = new URL('../src/tracing.ts', import.meta.url).href;
const entry = '/srv/app/services/order/src/main.ts';

t.test('tracing is off unless an exporter or an OTLP endpoint is named, and OTEL_SDK_DISABLED=true wins', async (t) => {
  t.equal(tracingSettings({}, entry).enabled, false, 'nothing set: off');
  t.equal(tracingSettings({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, entry).enabled, false, 'exporter none: off, whatever the endpoint');
  t.equal(tracingSettings({ OTEL_TRACES_EXPORTER: 'otlp' }, entry).enabled, true, 'an exporter named: on');
  t.equal(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, entry).enabled, true, 'an endpoint named: on');
  t.equal(tracingSettings({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }, entry).enabled, true, 'a traces endpoint named: on');
  t.equal(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }, entry).enabled, false, 'disabled: off');
});

t.test('a service is named after its folder unless OTEL_SERVICE_NAME says otherwise', async (t) => {
  t.equal(tracingSettings({}, entry).serviceName, 'order');
  t.equal(tracingSettings({ OTEL_SERVICE_NAME: 'order-eu-1' }, entry).serviceName, 'order-eu-1');
});

/** Imports the tracing module in a process of its own and says whether the SDK was loaded and registered. */
function sdkIn(env: Record<string, string>): { loaded: boolean; registered: boolean } {
  const script = `
    import { createRequire } from 'node:module';
    import ${JSON.stringify(tracingModule)};
    const require = createRequire(${JSON.stringify(tracingModule)});
    const { trace } = require('@opentelemetry/api');
    const loaded = Object.keys(require.cache).some((path) => path.includes('@opentelemetry/sdk-node'));
    const registered = trace.getTracerProvider().getDelegateTracer('probe') !== undefined;
    console.log(JSON.stringify({ loaded, registered }));
    process.exit(0);
  `;
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('OTEL_')));
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...clean, ...env }, encoding: 'utf8', timeout: 30_000 });
  const line = run.stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as { loaded: boolean; registered: boolean };
}

t.test('without OTEL_* the process never loads the SDK, so the API stays a no-op on every request', async (t) => {
  t.same(sdkIn({}), { loaded: false, registered: false });
});

t.test('with an OTLP endpoint, importing the module is enough to load and register the SDK', async (t) => {
  t.same(sdkIn({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_SERVICE_NAME: 'probe' }), { loaded: true, registered: true });
});
