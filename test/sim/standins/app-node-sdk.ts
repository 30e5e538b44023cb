// An application instrumented with the real OpenTelemetry JS SDK (@opentelemetry/sdk-node and its OTLP
// exporters from node_modules), for pods annotated `sim.otel-doctor.io/sdk: node`: nothing here decides
// where or how telemetry goes, or what a failure prints. The SDK reads the pod's OTEL_* variables itself
// (OTEL_EXPORTER_OTLP_ENDPOINT/_PROTOCOL/_HEADERS/_CERTIFICATE/_INSECURE, the per-signal ones,
// OTEL_SERVICE_NAME...), resolves with the pod's resolv.conf, connects from the pod's namespace, and logs
// as it does in a real container. What it logs by default is nothing: export errors reach the global error
// handler (sdk-trace BatchSpanProcessorBase -> core globalErrorHandler -> loggingErrorHandler ->
// `diag.error(JSON.stringify(flattenException(e)))`), and `diag` prints only once a logger is set, which
// NodeSDK's constructor does only when OTEL_LOG_LEVEL is set (sdk-node dist/sdk.mjs 0.301.2). A pod that
// wants the lines sets OTEL_LOG_LEVEL, as a real one must.
import { createRequire } from 'node:module';
import { listenPorts } from './app-impl.ts';

/** One unit of the app's work: a server span, a request counted, a log record, as an instrumented handler makes them. */
interface Work { tick: () => void }

/**
 * The container's files are under SIM_ROOT (volumes included, runtime/volumes.ts), where a real container's
 * mount namespace would show them at `/`. The exporters read their certificate and key files by path at
 * construction, resolved from the working directory, `/` here (otlp-exporter-base and
 * otlp-grpc-exporter-base `readFileFromEnv`: `fs.readFileSync(path.resolve(process.cwd(), filePath))`),
 * so those paths are taken to the container's root first; a file that is not there stays missing.
 */
function containerFilePaths(env: NodeJS.ProcessEnv): void {
  const root = env.SIM_ROOT;
  if (!root) { return; }
  for (const [k, v] of Object.entries(env)) {
    if (v && /^OTEL_EXPORTER_OTLP_(?:(?:TRACES|METRICS|LOGS)_)?(?:CERTIFICATE|CLIENT_CERTIFICATE|CLIENT_KEY)$/.test(k)) {
      env[k] = root + (v.startsWith('/') ? v : `/${v}`);
    }
  }
}

function startSdk(): Work {
  containerFilePaths(process.env);
  // CommonJS, as most instrumented Node apps load it (`node --require ./instrumentation.js`): measured here
  // it costs ~20% less CPU and ~9 MB less RSS than the ESM build (grpc-js, protobufjs and three exporters
  // per signal are the expensive part of start-up).
  const require = createRequire(import.meta.url);
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const api = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
  const sdk = new NodeSDK();
  sdk.start();
  const tracer = api.trace.getTracer('app');
  const requests = api.metrics.getMeter('app').createCounter('app.requests');
  const logger = api.logs.getLogger('app');
  return {
    tick: () => {
      tracer.startSpan('GET /', { kind: api.SpanKind.SERVER }).end();
      requests.add(1);
      logger.emit({ body: 'request served', severityText: 'INFO' });
    },
  };
}

export function main(): void {
  const servers = listenPorts();
  // A container's main process idles until it is stopped, ports or not.
  setInterval(() => {}, 3_600_000);
  process.once('SIGTERM', () => { for (const s of servers) { s.close(); } process.exit(0); });
  process.once('SIGINT', () => process.exit(0));
  // The ports are bound first (see the README's "Stood in"); the SDK loads on the next turn of the loop.
  setImmediate(() => {
    const work = startSdk();
    // One request a second: the batch processors still export on their own schedule (OTEL_BSP_SCHEDULE_DELAY,
    // OTEL_METRIC_EXPORT_INTERVAL, OTEL_BLRP_SCHEDULE_DELAY), so the export cadence is the SDK's.
    setInterval(() => work.tick(), 1000);
  });
}
