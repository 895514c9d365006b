// When a service process traces, and what it costs when it does not.
import { spawnSync } from 'node:child_process';
import t from 'tap';
import { ROOT_CONTEXT, SpanKind, TraceFlags, trace } from '@opentelemetry/api';
import { noRootClientSpans, tracingSettings } from '../src/tracing.ts';

const tracingModule = new URL('../src/tracing.ts', import.meta.url).href;
const entry = '/srv/app/services/order/src/main.ts';

t.test('tracing is off unless an exporter or an OTLP endpoint is named, and OTEL_SDK_DISABLED=true wins', async (t) => {
  t.equal(tracingSettings({}, entry).enabled, false, 'nothing set: off');
  t.equal(
    tracingSettings({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, entry).enabled,
    false,
    'exporter none: off, whatever the endpoint',
  );
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

t.test('the default sampler records no client span without a parent (a polling query), and follows the parent otherwise', async (t) => {
  const decide = (kind: SpanKind, sampledParent?: boolean) => {
    const parent =
      sampledParent === undefined
        ? ROOT_CONTEXT
        : trace.setSpanContext(ROOT_CONTEXT, {
            traceId: 'a'.repeat(32),
            spanId: 'b'.repeat(16),
            traceFlags: sampledParent ? TraceFlags.SAMPLED : TraceFlags.NONE,
          });
    return noRootClientSpans.shouldSample(parent, 'c'.repeat(32), 'span', kind, {}, []).decision;
  };
  t.equal(decide(SpanKind.CLIENT), 0, 'a root client span: not recorded');
  t.equal(decide(SpanKind.SERVER), 2, 'a root server span: recorded and sampled');
  t.equal(decide(SpanKind.CONSUMER), 2, 'a root consumer span (a message without traceparent): recorded and sampled');
  t.equal(decide(SpanKind.CLIENT, true), 2, 'a client span under a sampled parent: recorded and sampled');
  t.equal(decide(SpanKind.CLIENT, false), 0, 'under an unsampled parent: not recorded');
});
