// What an image name tells the runtime: the name and ID containerd reports, which stand-in plays the
// container, and the SDK an app stand-in assumes when no annotation names one.
import { createHash } from 'node:crypto';
import { isCollectorImage } from './profiles.ts';
import type { KObject } from '../store.ts';

/** `busybox:1.36` -> `docker.io/library/busybox:1.36`, as containerd reports images. */
export function normalizeImage(image: string): string {
  let name = image;
  const first = name.split('/')[0];
  if (!name.includes('/') || !(first.includes('.') || first.includes(':') || first === 'localhost')) {
    name = name.includes('/') ? `docker.io/${name}` : `docker.io/library/${name}`;
  }
  const afterSlash = name.slice(name.lastIndexOf('/') + 1);
  if (!name.includes('@') && !afterSlash.includes(':')) { name += ':latest'; }
  return name;
}

/** The imageID containerd reports: `<repo>@sha256:<digest>` (a digest of the name when the image has none). */
export function imageID(image: string): string {
  const n = normalizeImage(image);
  const repo = n.split('@')[0].replace(/:[^/:]+$/, '');
  const digest = n.includes('@') ? n.split('@')[1] : `sha256:${createHash('sha256').update(n).digest('hex')}`;
  return `${repo}@${digest}`;
}

/** Which stand-in plays a container of this image. */
export function standinFor(image: string): 'collector' | 'dns' | 'app' | 'backend' {
  if (isCollectorImage(image)) { return 'collector'; }
  if (/coredns/i.test(image)) { return 'dns'; }
  // Jaeger v2 (and all-in-one): the OTLP backend the collectors' exporters send to (standins/backend-impl.ts).
  if (/(^|\/)jaegertracing\/(jaeger|all-in-one)(:|@|$)/.test(image)) { return 'backend'; }
  return 'app';
}

/** The SDK an app stand-in plays when no `sim.otel-doctor.io/sdk` annotation names one. */
export function defaultSdk(image: string): string {
  const i = image.toLowerCase();
  if (/python/.test(i)) { return 'python'; }
  if (/(java|temurin|openjdk|jre|jdk)/.test(i)) { return 'java'; }
  if (/(node|javascript)/.test(i)) { return 'node'; }
  if (/(dotnet|aspnet)/.test(i)) { return 'dotnet'; }
  // Unknown: the app stand-in then plays a well-configured app of an unknown SDK (see app-sdk.ts).
  return '';
}

type Env = Array<{ name: string; value?: string }>;
type PodLike = KObject | { spec?: { initContainers?: Array<{ name: string; image?: string }> } };

/** The tag of a pod's init container of this name, as [major, minor, patch] (undefined: absent, digest-only or not a version). */
function initImageVersion(pod: PodLike, name: string): number[] | undefined {
  const inits: Array<{ name: string; image?: string }> = pod.spec?.initContainers ?? [];
  const image = inits.find((c) => c.name === name)?.image ?? '';
  const tag = /:v?(\d+)\.(\d+)(?:\.(\d+))?[^/:@]*$/.exec(image.split('@')[0]);
  return tag ? [Number(tag[1]), Number(tag[2]), Number(tag[3] ?? 0)] : undefined;
}

/**
 * What the app stand-in plays when the OpenTelemetry Operator injected an agent into the container (the
 * variables it writes, test/sim/operator/instrumentation-langs.ts), with the agent's own default protocol
 * where it differs from the SDK the image suggests (sources in the README's "Auto-instrumentation"):
 * - Java agent (JAVA_TOOL_OPTIONS -javaagent): http/protobuf from 2.0, gRPC in 1.x.
 * - Node.js (NODE_OPTIONS --require .../autoinstrumentation.js): the image's register.js (sdk-node) defaults to
 *   http/protobuf from autoinstrumentation-nodejs 0.56.0; earlier images ran the operator's own script with
 *   the gRPC exporter by default, and before 0.53.0 whatever the protocol variable said.
 * - .NET (OTEL_DOTNET_AUTO_HOME): the auto-instrumentation defaults to http/protobuf.
 * - Python (PYTHONPATH .../otel-auto-instrumentation-python): the operator writes the protocol itself.
 * An unparsable agent tag (a custom image) is taken as a current one.
 */
export function injectedAgent(pod: PodLike, env: Env | undefined, container?: string): { sdk: string; protocol?: string; endpoint?: string; startupError?: string[] } | undefined {
  const get = (n: string) => (env ?? []).find((e) => e.name === n)?.value ?? '';
  const module = container === undefined ? undefined : webServerModule(pod, container, env);
  if (module) { return module; }
  if (/-javaagent:\/otel-auto-instrumentation-java/.test(get('JAVA_TOOL_OPTIONS'))) {
    const v = initImageVersion(pod, 'opentelemetry-auto-instrumentation-java');
    return { sdk: 'java-agent', protocol: v && v[0] < 2 ? 'grpc' : 'http/protobuf' };
  }
  if (get('NODE_OPTIONS').includes('/otel-auto-instrumentation-nodejs/autoinstrumentation.js')) {
    const v = initImageVersion(pod, 'opentelemetry-auto-instrumentation-nodejs');
    if (v && v[0] === 0 && v[1] < 53) {
      // The script of those images built the gRPC exporter whatever OTEL_EXPORTER_OTLP_PROTOCOL said (313ee2ac8, #3413).
      return { sdk: 'node', protocol: 'grpc', endpoint: get('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') || get('OTEL_EXPORTER_OTLP_ENDPOINT') || 'http://localhost:4317' };
    }
    return { sdk: 'node', protocol: v && v[0] === 0 && v[1] < 56 ? 'grpc' : 'http/protobuf' };
  }
  if (get('OTEL_DOTNET_AUTO_HOME') !== '') { return { sdk: 'dotnet', protocol: 'http/protobuf' }; }
  if (get('PYTHONPATH').includes('/otel-auto-instrumentation-python')) {
    const failure = pythonStartupFailure(initImageVersion(pod, 'opentelemetry-auto-instrumentation-python'), get);
    return failure ? { sdk: 'python', startupError: failure } : { sdk: 'python' };
  }
  return undefined;
}

/**
 * The Apache / NGINX module the operator injected: it exports OTLP/gRPC (the module's only exporter,
 * libopentelemetry_exporter_otlp_grpc) to the `<Prefix>ModuleOtelExporterEndpoint` of the config the agent
 * init container writes, whatever OTEL_* the container has; `endpoint: 'none'` when the config turns it
 * off. A `$(VAR)` in that config is expanded only when the init container defines VAR (operator 0.158 on,
 * #5334); before, the module gets it literally.
 */
function webServerModule(pod: PodLike, container: string, env: Env | undefined): { sdk: string; protocol: string; endpoint: string } | undefined {
  const spec = pod.spec as { containers?: Array<{ name: string; volumeMounts?: Array<{ name?: string }> }>; initContainers?: Array<{ name: string; env?: Env }> } | undefined;
  const mounts = (spec?.containers ?? []).find((c) => c.name === container)?.volumeMounts ?? [];
  const kind = mounts.some((m) => m.name === 'otel-apache-agent') ? 'Apache' : mounts.some((m) => m.name === 'otel-nginx-agent') ? 'Nginx' : undefined;
  if (!kind) { return undefined; }
  const init = (spec?.initContainers ?? []).find((c) => c.name === (kind === 'Apache' ? 'otel-agent-attach-apache' : 'otel-agent-attach-nginx'));
  const conf = (init?.env ?? []).find((e) => e.name === (kind === 'Apache' ? 'OTEL_APACHE_AGENT_CONF' : 'OTEL_NGINX_AGENT_CONF'))?.value ?? '';
  const attr = (k: string) => new RegExp(`^${kind}Module${k} +(.*?);?$`, 'm').exec(conf)?.[1]?.trim();
  if ((attr('Enabled') ?? 'ON').toUpperCase() !== 'ON') { return { sdk: '', protocol: 'grpc', endpoint: 'none' }; }
  const defined = new Set((init?.env ?? []).map((e) => e.name));
  const value = (n: string) => (env ?? []).find((e) => e.name === n)?.value;
  const endpoint = (attr('OtelExporterEndpoint') ?? 'http://localhost:4317/').replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, n: string) => (defined.has(n) && value(n) !== undefined ? value(n)! : m));
  return { sdk: '', protocol: 'grpc', endpoint };
}

/**
 * Why the operator's Python agent fails to start, or undefined. Its image ships only the OTLP/HTTP exporter
 * (the operator's autoinstrumentation/python/requirements.txt), and opentelemetry-distro sets
 * OTEL_EXPORTER_OTLP_PROTOCOL=grpc and the otlp exporters by default (OTEL_LOGS_EXPORTER from 0.50b0). The
 * SDK's _configuration (1.20 to 1.44) names every signal's exporter first, refusing a protocol other than
 * grpc or http/protobuf, then imports traces, metrics, logs: `otlp` over gRPC is `otlp_proto_grpc`, which
 * is not installed. auto_instrumentation logs the exception and the app runs uninstrumented; with no
 * logging handler yet, Python's last-resort handler prints the message and the traceback (its frames are
 * left out here). The message is "... opentelemetry" in sitecustomize.py before 0.52b0.
 */
function pythonStartupFailure(version: number[] | undefined, get: (n: string) => string): string[] | undefined {
  const minor = version && version[0] === 0 ? version[1] : Number.POSITIVE_INFINITY;
  const signals = [
    { s: 'TRACES', group: 'opentelemetry_traces_exporter', def: 'otlp' },
    { s: 'METRICS', group: 'opentelemetry_metrics_exporter', def: 'otlp' },
    { s: 'LOGS', group: 'opentelemetry_logs_exporter', def: minor >= 50 ? 'otlp' : '' },
  ];
  let error: string | undefined;
  const names: string[][] = [];
  for (const { s, def } of signals) {
    const raw = get(`OTEL_${s}_EXPORTER`) || def;
    const list = !raw || raw.trim().toLowerCase() === 'none' ? [] : raw.split(',').map((x) => x.trim());
    const protocol = (get(`OTEL_EXPORTER_OTLP_${s}_PROTOCOL`) || get('OTEL_EXPORTER_OTLP_PROTOCOL') || 'grpc').trim();
    const mapped: string[] = [];
    for (const n of list) {
      if (n !== 'otlp') { mapped.push(n); continue; }
      if (protocol !== 'grpc' && protocol !== 'http/protobuf') { error ??= `Unsupported OTLP protocol '${protocol}' is configured`; }
      mapped.push(protocol === 'grpc' ? 'otlp_proto_grpc' : 'otlp_proto_http');
    }
    names.push(mapped);
  }
  if (!error) {
    signals.forEach(({ group }, i) => {
      if (!error && names[i].includes('otlp_proto_grpc')) { error = `Requested component 'otlp_proto_grpc' not found in entry point '${group}'`; }
    });
  }
  if (!error) { return undefined; }
  return [`Failed to auto initialize ${minor >= 52 ? 'OpenTelemetry' : 'opentelemetry'}`, 'Traceback (most recent call last):', `RuntimeError: ${error}`];
}
