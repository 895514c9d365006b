/**
 * OpenTelemetry tracing for a service process, configured only by the standard `OTEL_*` variables.
 *
 * Imported for its effect as the FIRST import of each service's `main.ts`
 * (`import '@flash-sale/service-kit/tracing'`): ES modules evaluate in import order, so the SDK and
 * its instrumentations are in place before fastify, mysql2 and ioredis (CommonJS, patched through
 * `require` hooks when they evaluate) are first used.
 *
 * Off unless an exporter is named: without `OTEL_TRACES_EXPORTER` (other than `none`) or an OTLP
 * endpoint, or with `OTEL_SDK_DISABLED=true`, this module loads nothing and the API stays the
 * no-op it is by default, so the hot path pays nothing. The SDK itself reads the rest
 * (`OTEL_EXPORTER_OTLP_PROTOCOL`, `OTEL_BSP_*`, `OTEL_TRACES_SAMPLER`, `OTEL_RESOURCE_ATTRIBUTES`).
 *
 * Kafka spans are not left to an instrumentation of the Kafka client: it would replace the `traceparent` header
 * the outbox recorded with a span of the relay's poll loop, and an order would no longer be one
 * trace. `packages/events` opens the publish and process spans itself, parented by that header.
 */
import { createRequire } from 'node:module';
import { basename, dirname } from 'node:path';
import type * as FastifyOtel from '@fastify/otel';
import type * as InstrumentationHttp from '@opentelemetry/instrumentation-http';
import type * as InstrumentationIoredis from '@opentelemetry/instrumentation-ioredis';
import type * as InstrumentationMysql2 from '@opentelemetry/instrumentation-mysql2';
import type * as InstrumentationUndici from '@opentelemetry/instrumentation-undici';
import type * as SdkNode from '@opentelemetry/sdk-node';
import type { NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { SpanKind, trace } from '@opentelemetry/api';

export interface TracingSettings {
  enabled: boolean;
  serviceName: string;
}

/** Whether the environment asks for traces, and the service name they carry. */
export function tracingSettings(env: NodeJS.ProcessEnv, entryScript: string | undefined): TracingSettings {
  const disabled = env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true';
  const exporter = env.OTEL_TRACES_EXPORTER?.trim().toLowerCase();
  const exporterNamed = exporter !== undefined && exporter !== '' && exporter !== 'none';
  const endpointNamed = Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
  const enabled = !disabled && exporter !== 'none' && (exporterNamed || endpointNamed);
  return { enabled, serviceName: env.OTEL_SERVICE_NAME?.trim() || serviceNameOf(entryScript) };
}

/** `services/<name>/src/main.ts` → `<name>`: each service is named after its folder unless told otherwise. */
function serviceNameOf(entryScript: string | undefined): string {
  if (!entryScript) return 'unknown_service:node';
  const srcDir = dirname(entryScript);
  return basename(srcDir) === 'src' ? basename(dirname(srcDir)) : basename(entryScript).replace(/\.[cm]?[jt]s$/, '');
}

type Sampler = NonNullable<NodeSDKConfiguration['sampler']>;
const NOT_RECORD = 0;
const RECORD_AND_SAMPLED = 2;

/**
 * Parent-based, like the SDK's default, except that a client span with no parent (a query of the
 * outbox relay's polling loop, a scheduler's Redis call) is not recorded: every poll would otherwise
 * be a trace of its own, many a second, burying the requests and events.
 */
export const noRootClientSpans: Sampler = {
  shouldSample: (parentContext, _traceId, _name, kind) => {
    const parent = trace.getSpanContext(parentContext);
    if (parent && trace.isSpanContextValid(parent)) return { decision: (parent.traceFlags & 1) === 1 ? RECORD_AND_SAMPLED : NOT_RECORD };
    return { decision: kind === SpanKind.CLIENT ? NOT_RECORD : RECORD_AND_SAMPLED };
  },
  toString: () => 'NoRootClientSpans',
};

const settings = tracingSettings(process.env, process.argv[1]);

if (settings.enabled) {
  // Required (not imported) only when asked for, so a process without tracing never evaluates the
  // SDK; synchronously, so every later import of main.ts evaluates after the hooks are installed.
  const require = createRequire(import.meta.url);
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof SdkNode;
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof InstrumentationHttp;
  const { MySQL2Instrumentation } = require('@opentelemetry/instrumentation-mysql2') as typeof InstrumentationMysql2;
  const { IORedisInstrumentation } = require('@opentelemetry/instrumentation-ioredis') as typeof InstrumentationIoredis;
  const { UndiciInstrumentation } = require('@opentelemetry/instrumentation-undici') as typeof InstrumentationUndici;
  const { FastifyOtelInstrumentation } = require('@fastify/otel') as typeof FastifyOtel;
  const sdk = new NodeSDK({
    serviceName: settings.serviceName,
    // OTEL_TRACES_SAMPLER, when set, is the SDK's to apply; ours only replaces the default.
    ...(process.env.OTEL_TRACES_SAMPLER?.trim() ? {} : { sampler: noRootClientSpans }),
    instrumentations: [
      new HttpInstrumentation({
        // Probes and scrapes every few seconds would bury the traces that matter.
        ignoreIncomingRequestHook: (request) => /^\/(health|metrics)\b/.test(request.url ?? ''),
      }),
      new FastifyOtelInstrumentation({ registerOnInitialization: true, ignorePaths: (options) => /^\/(health|metrics)\b/.test(options.url) }),
      new MySQL2Instrumentation(),
      new IORedisInstrumentation({ requireParentSpan: true }),
      // fetch, which ServiceClient uses: calls between services carry the caller's traceparent.
      new UndiciInstrumentation(),
    ],
  });
  sdk.start();
  // The services import ioredis as an ES module, which loads its CommonJS entry without passing
  // through `require`, so the hook that patches it would never fire: load it once through `require`
  // here; the class it patches is the one every later import gets from the module cache.
  require('ioredis');
  // Spans still buffered when the process ends are flushed; a graceful shutdown ends with `exit`.
  const flush = () => void sdk.shutdown().catch(() => undefined);
  process.once('SIGTERM', flush);
  process.once('SIGINT', flush);
  process.once('beforeExit', flush);
}
