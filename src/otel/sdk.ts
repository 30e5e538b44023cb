/**
 * What an app's OTLP exporter actually does, per signal, from its env and its SDK's defaults.
 *
 * Default protocol when OTEL_EXPORTER_OTLP_PROTOCOL is unset (issue 3, from each SDK's docs):
 * Java SDK, Python SDK and .NET SDK use grpc; the Java agent 2.x, Node, PHP and Ruby use http/protobuf.
 * Go depends on which exporter package the binary links, so it is unknown: a rule must not guess there.
 *
 * Auto-instrumentation injected by the OpenTelemetry operator (flavour 'auto'; java is 'agent') is not
 * the plain SDK. From the operator's source (internal/instrumentation/*.go and autoinstrumentation/ at
 * v0.158.0, the table in docs/rfcs/instrumentation-v1beta1.md):
 * - python: the image ships only the http exporter, and the operator injects
 *   OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf when the container does not set it (python.go,
 *   getDefaultPythonEnvVars; per-signal *_TRACES/_METRICS_PROTOCOL from 0.67, the general variable from
 *   0.108). So http/protobuf, port 4318, although the Python SDK itself defaults to grpc.
 * - nodejs: from image 0.56.0 (the default of operator 0.122.0) the image runs
 *   @opentelemetry/auto-instrumentations-node/register, whose SDK default is http/protobuf; older images ran
 *   the operator's own autoinstrumentation.ts, exporting over gRPC (honouring OTEL_EXPORTER_OTLP_PROTOCOL
 *   for traces from 0.113). The gather layer decides per image and release (otel/operator-data.ts).
 * - dotnet: the .NET auto-instrumentation defaults to http/protobuf (the .NET SDK to grpc).
 * - java: the injected agent is 2.x (autoinstrumentation/java/version.txt), http/protobuf.
 * - go: the eBPF auto-instrumentation exports http/protobuf by default (operator README).
 * - apache-httpd, nginx: the otel-webserver-module links only the OTLP/gRPC exporter
 *   (apachehttpd.go loads libopentelemetry_exporter_otlp_grpc.so) and reads the endpoint from its own
 *   config file, default http://localhost:4317/ (apachehttpd.go, nginx.go); OTEL_EXPORTER_OTLP_PROTOCOL
 *   does not reach it. Modelled as language 'cpp' with flavour 'auto'.
 * The operator never overrides what the container (or the Instrumentation's env) sets, so an explicit
 * OTEL_EXPORTER_OTLP_PROTOCOL still wins, except for the web server modules.
 */
import type { AppContainer, OtlpProtocol, SdkGuess, SettingValue, Signal } from '../snapshot.ts';
import { parseOtlpUrl, type ParsedOtlpUrl } from './endpoint.ts';

export const SIGNALS: Signal[] = ['traces', 'metrics', 'logs'];

/** The Apache HTTPD / NGINX otel-webserver-module: gRPC only, configured by file, not by OTEL_ env. */
export function isWebServerModule(sdk: SdkGuess | undefined): boolean {
  return sdk?.language === 'cpp' && sdk.flavour === 'auto';
}

export function defaultProtocol(sdk: SdkGuess | undefined): { protocol: OtlpProtocol | null; why: string } {
  if (!sdk) { return { protocol: null, why: 'SDK unknown' }; }
  // An operator-injected agent whose image (and so the operator release) decides it.
  if (sdk.defaultProtocol) { return sdk.defaultProtocol; }
  switch (sdk.language) {
    case 'java':
      if (sdk.flavour === 'sdk') { return { protocol: 'grpc', why: 'Java SDK default' }; }
      if (sdk.flavour === 'agent') {
        // The 1.x agent defaulted to grpc; 2.0 switched to http/protobuf.
        if (sdk.version && /^1\./.test(sdk.version)) { return { protocol: 'grpc', why: 'Java agent 1.x default' }; }
        return { protocol: 'http/protobuf', why: 'Java agent 2.x default' };
      }
      return { protocol: null, why: 'Java: agent (http/protobuf) or SDK (grpc) not known' };
    case 'python':
      if (sdk.flavour === 'auto') { return { protocol: 'http/protobuf', why: 'the operator sets OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf for Python auto-instrumentation' }; }
      return { protocol: 'grpc', why: 'Python SDK default' };
    case 'dotnet':
      if (sdk.flavour === 'auto') { return { protocol: 'http/protobuf', why: '.NET auto-instrumentation default' }; }
      if (sdk.flavour === 'sdk') { return { protocol: 'grpc', why: '.NET SDK default' }; }
      return { protocol: null, why: '.NET: auto-instrumentation (http/protobuf) or SDK (grpc) not known' };
    case 'node':
      if (sdk.flavour === 'auto') { return { protocol: 'http/protobuf', why: 'Node.js auto-instrumentation default (image 0.56.0+, operator 0.122+; older images export over gRPC)' }; }
      return { protocol: 'http/protobuf', why: 'Node.js default' };
    case 'php':
      return { protocol: 'http/protobuf', why: 'PHP default' };
    case 'ruby':
      return { protocol: 'http/protobuf', why: 'Ruby default' };
    case 'go':
      if (sdk.flavour === 'auto') { return { protocol: 'http/protobuf', why: 'Go auto-instrumentation (eBPF) default' }; }
      return { protocol: null, why: 'Go: depends on the exporter package linked (otlptracegrpc or otlptracehttp)' };
    case 'cpp':
      if (sdk.flavour === 'auto') { return { protocol: 'grpc', why: 'Apache HTTPD / NGINX instrumentation (otel-webserver-module) exports OTLP/gRPC only' }; }
      return { protocol: null, why: 'C++: depends on the exporter linked (OtlpGrpcExporter or OtlpHttpExporter)' };
    default:
      return { protocol: null, why: `${sdk.language}: default protocol unknown` };
  }
}

export function normalizeProtocol(v: string | undefined): OtlpProtocol | 'invalid' | undefined {
  if (v === undefined) { return undefined; }
  const t = v.trim().toLowerCase();
  if (t === 'grpc') { return 'grpc'; }
  if (t === 'http/protobuf' || t === 'http') { return 'http/protobuf'; }
  if (t === 'http/json') { return 'http/json'; }
  return 'invalid';
}

export function isHttp(p: OtlpProtocol | null | undefined): boolean {
  return p === 'http/protobuf' || p === 'http/json';
}

export interface SignalExport {
  signal: Signal;
  /** the endpoint setting that applies (signal-specific wins) */
  endpointSetting?: SettingValue;
  /** true when OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT was used (taken verbatim for http) */
  perSignal: boolean;
  /** the URL the exporter dials (http: base + /v1/<signal>) */
  url?: string;
  parsed?: ParsedOtlpUrl;
  protocol: OtlpProtocol | null;
  protocolSetting?: SettingValue;
  protocolWhy: string;
  /** the endpoint came from the SDK's default, not from any setting */
  defaultEndpoint: boolean;
  insecure?: boolean;
  /** the dialled port (explicit, else scheme-implied) */
  port: number | null;
}

export const DEFAULT_ENDPOINT: Record<'grpc' | 'http', string> = { grpc: 'http://localhost:4317', http: 'http://localhost:4318' };

/** The exports an app container makes, one per enabled signal. */
export function appExports(app: AppContainer): SignalExport[] {
  const ex = app.exporter ?? {};
  if (ex.sdkDisabled) { return []; }
  const out: SignalExport[] = [];
  for (const signal of SIGNALS) {
    const exporter = ex.exporters?.[signal];
    if (exporter !== undefined && !exporter.split(',').map((s) => s.trim()).includes('otlp')) { continue; }
    const sig = ex.signals?.[signal];
    const protoSetting = sig?.protocol ?? ex.protocol;
    const np = normalizeProtocol(protoSetting?.value);
    let protocol: OtlpProtocol | null;
    let protocolWhy: string;
    if (np && np !== 'invalid' && !isWebServerModule(app.sdk)) {
      protocol = np;
      protocolWhy = `${protoSetting?.env}=${protoSetting?.value}`;
    } else {
      const d = defaultProtocol(app.sdk);
      protocol = d.protocol;
      protocolWhy = np === 'invalid' ? `invalid ${protoSetting?.env}=${protoSetting?.value}; ${d.why}` : d.why;
    }
    const perSignal = sig?.endpoint?.value !== undefined;
    const endpointSetting = perSignal ? sig?.endpoint : ex.endpoint;
    let url: string | undefined;
    let defaultEndpoint = false;
    if (endpointSetting?.value !== undefined && endpointSetting.value.trim() !== '') {
      url = endpointSetting.value.trim();
      if (!perSignal && isHttp(protocol)) { url = url.replace(/\/+$/, '') + `/v1/${signal}`; }
    } else if (endpointSetting === undefined || endpointSetting.value !== undefined) {
      defaultEndpoint = true;
      url = protocol === null ? undefined : isHttp(protocol) ? `${DEFAULT_ENDPOINT.http}/v1/${signal}` : DEFAULT_ENDPOINT.grpc;
    }
    const parsed = url ? parseOtlpUrl(url) : undefined;
    const ins = sig?.insecure ?? ex.insecure;
    out.push({
      signal,
      endpointSetting,
      perSignal,
      url,
      parsed,
      protocol,
      protocolSetting: protoSetting,
      protocolWhy,
      defaultEndpoint,
      ...(ins?.value !== undefined ? { insecure: ins.value.trim().toLowerCase() === 'true' } : {}),
      port: parsed ? (parsed.port ?? parsed.impliedPort ?? null) : null,
    });
  }
  return out;
}

/** Group a container's exports by dialled host:port (one finding per target, not per signal). */
export function distinctTargets(exports: SignalExport[]): { host: string; port: number | null; exports: SignalExport[] }[] {
  const m = new Map<string, { host: string; port: number | null; exports: SignalExport[] }>();
  for (const e of exports) {
    if (!e.parsed) { continue; }
    const k = `${e.parsed.host}:${e.port}`;
    const cur = m.get(k) ?? { host: e.parsed.host, port: e.port, exports: [] };
    cur.exports.push(e);
    m.set(k, cur);
  }
  return [...m.values()];
}
