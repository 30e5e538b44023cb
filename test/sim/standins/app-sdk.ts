// Which SDK an app stand-in plays (annotation, image) and where it exports: OTEL_EXPORTER_OTLP_* read
// the way each SDK reads them (signal-specific over generic, default protocol and port, timeout; "ref":
// /work/shared/reference/sdk-export-errors.md).

export type Sdk = 'go' | 'python' | 'java' | 'java-agent' | 'node' | 'dotnet';
export type Protocol = 'grpc' | 'http/protobuf' | 'http/json';

export function sdkFor(env: NodeJS.ProcessEnv): Sdk {
  const s = (env.SIM_SDK ?? '').toLowerCase();
  if (['go', 'python', 'java', 'java-agent', 'node', 'dotnet'].includes(s)) { return s as Sdk; }
  const img = (env.SIM_IMAGE ?? '').toLowerCase();
  const name = img.slice(img.lastIndexOf('/') + 1);
  if (/python/.test(name)) { return 'python'; }
  if (/^node|[-/]node/.test(name) || /^node/.test(name)) { return 'node'; }
  if (/temurin|openjdk|jdk|jre|java/.test(name)) { return 'java'; }
  if (/dotnet|aspnet/.test(img)) { return 'dotnet'; }
  return 'go';
}

/**
 * Neither the annotation nor the image tells the SDK (e.g. the OpenTelemetry demo's
 * `ghcr.io/open-telemetry/demo:<v>-<service>` images, written in a dozen languages). Such an app is
 * played as a well-configured one: an unset protocol is the one its endpoint's port implies (4318:
 * http/protobuf, else gRPC), rather than Go's gRPC default, which would invent a mismatch that the real
 * app, using its own SDK's default, does not have. Failures are still logged in Go's words.
 */
export function sdkUnknown(env: NodeJS.ProcessEnv): boolean {
  const s = (env.SIM_SDK ?? '').toLowerCase();
  if (['go', 'python', 'java', 'java-agent', 'node', 'dotnet'].includes(s)) { return false; }
  const img = (env.SIM_IMAGE ?? '').toLowerCase();
  const name = img.slice(img.lastIndexOf('/') + 1);
  return !(/python/.test(name) || /^node|[-/]node/.test(name) || /temurin|openjdk|jdk|jre|java/.test(name) || /dotnet|aspnet/.test(img));
}

export interface ExportTarget {
  protocol: Protocol;
  /** Full URL for HTTP; for gRPC scheme://host:port. */
  url: URL;
  tls: boolean;
  /** What the user wrote, for SDKs that print it as given. */
  raw: string;
  timeoutMs: number;
}

/** The spec's (and each SDK's) reading of OTEL_EXPORTER_OTLP_* for traces; undefined when nothing asks for export. */
export function traceTarget(env: NodeJS.ProcessEnv, sdk: Sdk, unknownSdk = false): ExportTarget | undefined {
  // An injected agent whose exporter is fixed (a web-server module, a Node.js image before 0.53.0) exports
  // there over its protocol, whatever the OTEL_* variables say (runtime/images.ts injectedAgent).
  if (env.SIM_AGENT_ENDPOINT) {
    if (env.SIM_AGENT_ENDPOINT === 'none') { return undefined; }
    return traceTarget({ OTEL_EXPORTER_OTLP_ENDPOINT: env.SIM_AGENT_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL: env.SIM_SDK_PROTOCOL ?? 'grpc' }, sdk, unknownSdk);
  }
  const anyOtlp = Object.keys(env).some((k) => k.startsWith('OTEL_EXPORTER_OTLP_')) || env.OTEL_TRACES_EXPORTER !== undefined;
  if (!anyOtlp) { return undefined; }
  if ((env.OTEL_TRACES_EXPORTER ?? 'otlp').split(',').map((s) => s.trim()).every((s) => s !== 'otlp')) { return undefined; }
  // Default protocols: the OTLP spec says http/protobuf, but the Go, Python, Java SDK and .NET exporters
  // most apps link are gRPC; Node's sdk-node and the Java agent 2.x default to http/protobuf (ref §3).
  const impliedByPort = /:4318(\/|$)/.test((env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT ?? '').trim()) ? 'http/protobuf' : 'grpc';
  // SIM_SDK_PROTOCOL: the default of an agent the operator injected (runtime/images.ts injectedAgent).
  const agentDefault = ['grpc', 'http/protobuf', 'http/json'].includes(env.SIM_SDK_PROTOCOL ?? '') ? env.SIM_SDK_PROTOCOL as Protocol : undefined;
  const def: Protocol = agentDefault ?? (unknownSdk ? impliedByPort : sdk === 'node' || sdk === 'java-agent' ? 'http/protobuf' : 'grpc');
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? def).trim() as Protocol;
  const perSignal = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const http = protocol !== 'grpc';
  let raw: string;
  let withPath: string;
  if (perSignal) {
    raw = perSignal;
    withPath = perSignal;
  } else if (base) {
    raw = base;
    withPath = http ? base.replace(/\/+$/, '') + '/v1/traces' : base;
  } else {
    raw = http ? 'http://localhost:4318' : 'http://localhost:4317';
    withPath = http ? raw + '/v1/traces' : raw;
  }
  const insecureEnv = (env.OTEL_EXPORTER_OTLP_TRACES_INSECURE ?? env.OTEL_EXPORTER_OTLP_INSECURE ?? '').toLowerCase() === 'true';
  // No scheme: Go's otlptracehttp and the gRPC exporters use TLS unless told insecure (ref §1.5 [S]).
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(withPath);
  const url = new URL(hasScheme ? withPath : `${insecureEnv ? 'http' : 'https'}://${withPath}`);
  const tls = url.protocol === 'https:' && !(protocol === 'grpc' && insecureEnv && !hasScheme);
  if (!url.port) { url.port = tls ? '443' : '80'; }
  const timeoutMs = Number(env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT ?? env.OTEL_EXPORTER_OTLP_TIMEOUT ?? 10000) || 10000;
  return { protocol, url, tls, raw, timeoutMs };
}
